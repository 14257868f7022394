package connect

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	sdkconfig "github.com/databricks/databricks-sdk-go/config"

	"github.com/drsync/drsync/shared/config"
	"github.com/drsync/drsync/shared/emulator"
)

const testVersion = "1.2.3-test"

// startEmulator serves an emulated workspace until the test ends (emutest
// cannot be used here: it builds its clients with this package).
func startEmulator(t *testing.T, opts emulator.Options) *emulator.Server {
	t.Helper()
	srv := emulator.New(opts)
	if err := srv.Start(); err != nil {
		t.Fatalf("start emulator: %v", err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return srv
}

// recorder is a transport that remembers the headers of every request.
type recorder struct {
	mu      sync.Mutex
	headers []http.Header
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.headers = append(r.headers, req.Header.Clone())
	r.mu.Unlock()
	return http.DefaultTransport.RoundTrip(req)
}

func (r *recorder) last(t *testing.T) http.Header {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.headers) == 0 {
		t.Fatal("no request was sent")
	}
	return r.headers[len(r.headers)-1]
}

// noNetwork fails the test on any request.
type noNetwork struct{ t *testing.T }

func (n noNetwork) RoundTrip(req *http.Request) (*http.Response, error) {
	n.t.Errorf("unexpected request %s %s", req.Method, req.URL)
	return nil, http.ErrNotSupported
}

func testOptions() Options {
	return Options{Version: testVersion, RetryTimeout: 5 * time.Second, HTTPTimeout: 5 * time.Second}
}

// TestPATAgainstEmulator builds a client from a config auth block and proves it
// talks to the emulator with the token and a drsync User-Agent.
func TestPATAgainstEmulator(t *testing.T) {
	srv := startEmulator(t, emulator.Options{UserName: "dr-admin@example.com"})
	t.Setenv("EMU_TOKEN", srv.Token())
	rec := &recorder{}
	opts := testOptions()
	opts.Transport = rec
	ep := config.Endpoint{Host: srv.URL(), Auth: config.Auth{Type: config.AuthPAT, TokenEnv: "EMU_TOKEN"}}

	w, err := Workspace(t.Context(), Target, ep, opts)
	if err != nil {
		t.Fatal(err)
	}
	me, err := w.CurrentUser.Me(t.Context())
	if err != nil {
		t.Fatalf("Me: %v", err)
	}
	if me.UserName != "dr-admin@example.com" {
		t.Errorf("Me = %q", me.UserName)
	}
	h := rec.last(t)
	if got := h.Get("Authorization"); got != "Bearer "+srv.Token() {
		t.Errorf("Authorization = %q", got)
	}
	if ua := h.Get("User-Agent"); !strings.HasPrefix(ua, "drsync/"+testVersion+" ") || !strings.Contains(ua, "auth/pat") {
		t.Errorf("User-Agent = %q, want drsync/%s first and auth/pat", ua, testVersion)
	}
}

// ambient sets every DATABRICKS_* variable and profile file the SDK would read
// by default, all pointing at a workspace that must never be contacted.
func ambient(t *testing.T) {
	home := t.TempDir()
	cfg := "[DEFAULT]\nhost = http://127.0.0.1:1\ntoken = dapi-ambient-default\n\n" +
		"[ambient]\nhost = http://127.0.0.1:1\ntoken = dapi-ambient-profile\n"
	if err := os.WriteFile(filepath.Join(home, ".databrickscfg"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{
		"HOME":                      home,
		"DATABRICKS_HOST":           "http://127.0.0.1:1",
		"DATABRICKS_TOKEN":          "dapi-ambient",
		"DATABRICKS_CLIENT_ID":      "ambient-client",
		"DATABRICKS_CLIENT_SECRET":  "dose-ambient",
		"DATABRICKS_AUTH_TYPE":      "oauth-m2m",
		"DATABRICKS_CONFIG_PROFILE": "ambient",
		"DATABRICKS_CONFIG_FILE":    filepath.Join(home, ".databrickscfg"),
		"DATABRICKS_RATE_LIMIT":     "1",
		"DATABRICKS_ACCOUNT_ID":     "ambient-account",
	} {
		t.Setenv(k, v)
	}
}

// TestAmbientEnvironmentDoesNotLeak builds both sides of a pair, each against
// its own emulator with its own token, under a hostile DATABRICKS_* environment.
func TestAmbientEnvironmentDoesNotLeak(t *testing.T) {
	src := startEmulator(t, emulator.Options{Token: "dapi-source"})
	tgt := startEmulator(t, emulator.Options{Token: "dapi-target"})
	ambient(t)
	t.Setenv(config.EnvSourceToken, "dapi-source")
	t.Setenv(config.EnvTargetToken, "dapi-target")
	opts := testOptions()
	opts.RateLimitPerSecond = 50

	for side, srv := range map[string]*emulator.Server{Source: src, Target: tgt} {
		w, err := Workspace(t.Context(), side, config.Endpoint{Host: srv.URL()}, opts)
		if err != nil {
			t.Fatalf("%s: %v", side, err)
		}
		assertOnly(t, w.Config, srv.URL(), srv.Token())
		if _, err := w.CurrentUser.Me(t.Context()); err != nil {
			t.Fatalf("%s Me: %v", side, err)
		}
	}
}

// assertOnly checks that cfg carries the pair's host and token and nothing
// from the ambient environment.
func assertOnly(t *testing.T, cfg *sdkconfig.Config, host, token string) {
	t.Helper()
	if cfg.Host != host || cfg.AuthType != "pat" || cfg.Token != token {
		t.Errorf("host/auth/token = %s/%s/%s, want %s/pat/%s", cfg.Host, cfg.AuthType, cfg.Token, host, token)
	}
	if cfg.ClientID != "" || cfg.ClientSecret != "" || cfg.Profile != "" || cfg.AccountID != "" {
		t.Errorf("ambient values leaked: client %q secret %q profile %q account %q",
			cfg.ClientID, cfg.ClientSecret, cfg.Profile, cfg.AccountID)
	}
	if cfg.RateLimitPerSecond != 50 {
		t.Errorf("RateLimitPerSecond = %d, want 50 (DATABRICKS_RATE_LIMIT leaked?)", cfg.RateLimitPerSecond)
	}
}

// offline is a transport that answers nothing and remembers what was asked,
// so a test can see where a client would have gone without a network.
type offline struct {
	mu   sync.Mutex
	urls []string
}

func (o *offline) RoundTrip(req *http.Request) (*http.Response, error) {
	o.mu.Lock()
	o.urls = append(o.urls, req.URL.String())
	o.mu.Unlock()
	// Not a transient error, so the SDK does not retry it.
	return nil, http.ErrNotSupported
}

// TestOAuthM2MConstruction builds an M2M client under a hostile environment
// without a network. The SDK wires the serving data plane eagerly, which asks
// for the workspace's OIDC endpoints while the client is built; that request
// must go to the pair's host, and its failure must not fail construction.
func TestOAuthM2MConstruction(t *testing.T) {
	ambient(t)
	t.Setenv(config.EnvSourceClientID, "sp-client")
	t.Setenv(config.EnvSourceClientSecret, "dose-secret")
	tr := &offline{}
	opts := testOptions()
	opts.Transport = tr

	w, err := Workspace(t.Context(), Source, config.Endpoint{Host: "https://dev.cloud.databricks.com"}, opts)
	if err != nil {
		t.Fatal(err)
	}
	c := w.Config
	if c.Host != "https://dev.cloud.databricks.com" || c.AuthType != "oauth-m2m" ||
		c.ClientID != "sp-client" || c.ClientSecret != "dose-secret" || c.Token != "" || c.Profile != "" {
		t.Errorf("config = host %s auth %s client %s secret %s token %q profile %q",
			c.Host, c.AuthType, c.ClientID, c.ClientSecret, c.Token, c.Profile)
	}
	for _, u := range tr.urls {
		if !strings.HasPrefix(u, "https://dev.cloud.databricks.com/oidc/") {
			t.Errorf("construction asked %s; only the pair host's OIDC discovery is expected", u)
		}
	}
}

func writeProfile(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "databrickscfg")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestProfileAgainstEmulator(t *testing.T) {
	srv := startEmulator(t, emulator.Options{})
	ambient(t)
	opts := testOptions()
	opts.ConfigFile = writeProfile(t, "[dr]\nhost = "+srv.URL()+"\ntoken = "+srv.Token()+"\n")
	ep := config.Endpoint{Host: srv.URL(), Auth: config.Auth{Type: config.AuthProfile, Profile: "dr"}}

	w, err := Workspace(t.Context(), Target, ep, opts)
	if err != nil {
		t.Fatal(err)
	}
	if w.Config.AuthType != "pat" || w.Config.Token != srv.Token() || w.Config.ClientID != "" {
		t.Errorf("auth %s token %s client %q", w.Config.AuthType, w.Config.Token, w.Config.ClientID)
	}
	if _, err := w.CurrentUser.Me(t.Context()); err != nil {
		t.Fatalf("Me: %v", err)
	}
}

func TestProfileErrors(t *testing.T) {
	file := writeProfile(t, "[other]\nhost = https://other.example\ntoken = dapi-x\n")
	ep := config.Endpoint{Host: "https://dr.example", Auth: config.Auth{Type: config.AuthProfile}}
	tests := []struct {
		profile, file, want string
	}{
		{"other", file, "connect target workspace https://dr.example: profile other in " + file + " is for host https://other.example, not https://dr.example"},
		{"dr", file, "connect target workspace https://dr.example: profile dr not found in " + file},
		{"dr", filepath.Join(t.TempDir(), "missing"), "connect target workspace https://dr.example: profile dr: open "},
	}
	for _, tt := range tests {
		opts := testOptions()
		opts.ConfigFile = tt.file
		opts.Transport = noNetwork{t}
		ep.Auth.Profile = tt.profile
		_, err := Workspace(t.Context(), Target, ep, opts)
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("profile %s: err = %v, want prefix %q", tt.profile, err, tt.want)
		}
	}
}

func TestLimitsFromConfig(t *testing.T) {
	c := config.Default()
	c.RetryTimeout.Duration = 42 * time.Second
	c.HTTPTimeout.Duration = 7 * time.Second
	c.RateLimits.RequestsPerSecond = 3
	opts := OptionsFrom(c, testVersion)
	opts.Credentials = Credentials{Token: "dapi-x"}
	w, err := Workspace(t.Context(), Source, c.Source, opts)
	if err != nil {
		t.Fatal(err)
	}
	if got := w.Config; got.RetryTimeoutSeconds != 42 || got.HTTPTimeoutSeconds != 7 || got.RateLimitPerSecond != 3 {
		t.Errorf("retry %d http %d rate %d, want 42 7 3", got.RetryTimeoutSeconds, got.HTTPTimeoutSeconds, got.RateLimitPerSecond)
	}

	// Zero options take drsync's defaults, never the SDK's 5 minute budget.
	w, err = Workspace(t.Context(), Source, c.Source, Options{Version: testVersion, Credentials: Credentials{Token: "dapi-x"}})
	if err != nil {
		t.Fatal(err)
	}
	d := config.Default()
	if got := w.Config; got.RetryTimeoutSeconds != 60 || got.HTTPTimeoutSeconds != 30 || got.RateLimitPerSecond != d.RateLimits.RequestsPerSecond {
		t.Errorf("defaults: retry %d http %d rate %d, want 60 30 %d", got.RetryTimeoutSeconds, got.HTTPTimeoutSeconds,
			got.RateLimitPerSecond, d.RateLimits.RequestsPerSecond)
	}
}

func TestWorkspaceErrors(t *testing.T) {
	ep := config.Endpoint{Host: "https://dr.example"}
	tests := []struct {
		name string
		side string
		ep   config.Endpoint
		opts Options
		want string
	}{
		{"unknown side", "primary", ep, Options{}, `connect: unknown side "primary" (want "source" or "target")`},
		{"no host", Source, config.Endpoint{}, Options{}, "connect source workspace: no host: set source.host in the config"},
		{"no credentials", Target, ep, Options{},
			"connect target workspace https://dr.example: no credentials: set DRSYNC_TARGET_TOKEN (or DRSYNC_TARGET_CLIENT_ID and DRSYNC_TARGET_CLIENT_SECRET), or add target.auth to the config"},
		{"bad version", Target, ep, Options{Version: "not a version", Credentials: Credentials{Token: "x"}},
			`connect target workspace https://dr.example: user agent version "not a version": invalid semver string: not a version`},
		{"secret unresolved", Target, config.Endpoint{Host: "https://dr.example", Auth: config.Auth{
			Type: config.AuthSecret, SecretARN: "arn:aws:secretsmanager:us-west-2:123456789012:secret:dr"}}, Options{},
			"connect target workspace https://dr.example: target.auth: secret arn:aws:secretsmanager:us-west-2:123456789012:secret:dr must be read from Secrets Manager by the caller and passed in Options.Credentials"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Getenv = func(string) string { return "" }
			_, err := Workspace(t.Context(), tt.side, tt.ep, tt.opts)
			if err == nil || err.Error() != tt.want {
				t.Fatalf("err = %v\nwant %s", err, tt.want)
			}
		})
	}
}

func TestNormaliseVersion(t *testing.T) {
	for in, want := range map[string]string{"": "0.0.0-dev", "dev": "0.0.0-dev", "v1.4.0": "1.4.0", "1.4.0-rc.1": "1.4.0-rc.1"} {
		if got := normaliseVersion(in); got != want {
			t.Errorf("normaliseVersion(%q) = %q, want %q", in, got, want)
		}
	}
}

// A profile written for another spelling of the pair's host (case, default
// port, trailing dot or slash, no scheme) is the same workspace.
func TestProfileHostSpelledDifferently(t *testing.T) {
	for _, host := range []string{"HTTPS://DR.example:443/", "dr.example.", "https://dr.example"} {
		opts := testOptions()
		opts.ConfigFile = writeProfile(t, "[dr]\nhost = "+host+"\ntoken = dapi-x\n")
		opts.Transport = noNetwork{t}
		ep := config.Endpoint{Host: "https://dr.example", Auth: config.Auth{Type: config.AuthProfile, Profile: "dr"}}
		if _, err := Workspace(t.Context(), Target, ep, opts); err != nil {
			t.Errorf("profile host %s: %v", host, err)
		}
	}
}
