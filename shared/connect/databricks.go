// Package connect builds the clients drsync talks through: one Databricks
// workspace client per side, each from an explicit configuration so that
// ambient DATABRICKS_* variables or a ~/.databrickscfg default profile can
// never leak one workspace's host or credentials into the other.
package connect

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	sdkconfig "github.com/databricks/databricks-sdk-go/config"

	"github.com/drsync/drsync/shared/config"
)

// The two sides of a pair, as passed to Workspace.
const (
	Source = "source"
	Target = "target"
)

// Options are the process-wide settings for building workspace clients.
type Options struct {
	// Version is drsync's version, sent as "drsync/<version>" in every
	// User-Agent so drsync's writes stand out in the target's audit log.
	// "" and "dev" mean "0.0.0-dev"; a leading "v" is dropped.
	Version string
	// Credentials given explicitly (CLI flags, or what the Lambda side read
	// from Secrets Manager) win over the environment and the config.
	Credentials Credentials
	// RetryTimeout bounds the SDK's retries of one call, HTTPTimeout is its
	// per-request inactivity timeout, RateLimitPerSecond its token bucket.
	// Zero means the value in config.Default (never the SDK's own 5 minute
	// retry budget, under which a dead host hangs a run).
	RetryTimeout       time.Duration
	HTTPTimeout        time.Duration
	RateLimitPerSecond int
	// ConfigFile is the databrickscfg read for profile auth; "" means ~/.databrickscfg.
	ConfigFile string
	// Getenv reads DRSYNC_* variables; nil means os.Getenv.
	Getenv func(string) string
	// Transport replaces the HTTP transport (tests, Retry-After handling).
	// Either way, dials are bounded: see UnreachableError.
	Transport http.RoundTripper
	// Logger gets a warning for every failed dial the SDK retries; nil
	// means slog.Default().
	Logger *slog.Logger
}

// OptionsFrom returns Options carrying c's timeouts and rate limit.
func OptionsFrom(c *config.Config, version string) Options {
	return Options{
		Version:            version,
		RetryTimeout:       c.RetryTimeout.Duration,
		HTTPTimeout:        c.HTTPTimeout.Duration,
		RateLimitPerSecond: c.RateLimits.RequestsPerSecond,
	}
}

// Workspace builds the client for one side ("source" or "target") of a pair.
// Credentials come from opts.Credentials, else DRSYNC_<SIDE>_TOKEN or
// DRSYNC_<SIDE>_CLIENT_ID/_CLIENT_SECRET, else ep.Auth. ep should come from a
// validated config.
//
// PAT and profile-with-token clients are built without a network call. For
// OAuth M2M the token is fetched on the first API call.
// Errors: an unknown side, an empty host, a missing or ambiguous credential
// (naming the variable to set), an unreadable profile or one for another host,
// an invalid version, or the SDK refusing the configuration.
func Workspace(ctx context.Context, side string, ep config.Endpoint, opts Options) (*Client, error) {
	if side != Source && side != Target {
		return nil, fmt.Errorf("connect: unknown side %q (want %q or %q)", side, Source, Target)
	}
	w, err := workspace(ctx, side, ep, opts)
	if err != nil {
		return nil, fmt.Errorf("connect %s: %w", label(side, ep.Host), err)
	}
	return w, nil
}

// label names a side and its host for error messages.
func label(side, host string) string {
	if host == "" {
		return side + " workspace"
	}
	return side + " workspace " + host
}

func workspace(ctx context.Context, side string, ep config.Endpoint, opts Options) (*Client, error) {
	if ep.Host == "" {
		// The SDK would otherwise fall back to nothing at all and fail later
		// with "host is required for PAT authentication".
		return nil, fmt.Errorf("no host: set %s.host in the config", side)
	}
	if err := setProduct(opts.Version); err != nil {
		return nil, err
	}
	getenv := opts.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	r, err := resolveCredentials(side, ep.Auth, opts.Credentials, getenv)
	if err != nil {
		return nil, err
	}
	opts.Transport = newDialGuard(opts.Transport, side, opts.Logger)
	cfg, err := sdkConfig(ep.Host, r, opts)
	if err != nil {
		return nil, err
	}
	w, err := NewClient(cfg)
	if err != nil {
		return nil, err
	}
	slog.DebugContext(ctx, "workspace client built", "side", side, "host", w.Config.Host,
		"auth", w.Config.AuthType, "credentials_from", r.from)
	return w, nil
}

// sdkConfig turns the resolved credential into an explicit SDK config.
// Loaders is what keeps the environment out: the SDK's default loaders read
// every DATABRICKS_* variable and ~/.databrickscfg into fields left empty.
func sdkConfig(host string, r resolved, opts Options) (*sdkconfig.Config, error) {
	d := config.Default()
	cfg := &sdkconfig.Config{
		Host:                host,
		RetryTimeoutSeconds: seconds(opts.RetryTimeout, d.RetryTimeout.Duration),
		HTTPTimeoutSeconds:  seconds(opts.HTTPTimeout, d.HTTPTimeout.Duration),
		RateLimitPerSecond:  orDefault(opts.RateLimitPerSecond, d.RateLimits.RequestsPerSecond),
		HTTPTransport:       opts.Transport,
		// AuthType is forced: with it empty the SDK tries every strategy and
		// fails on "more than one authorization method configured".
		AuthType: r.authType,
		Loaders:  []sdkconfig.Loader{explicitOnly{}},
	}
	switch r.authType {
	case config.AuthPAT:
		cfg.Token = r.creds.Token
	case config.AuthM2M:
		cfg.ClientID, cfg.ClientSecret = r.creds.ClientID, r.creds.ClientSecret
	case config.AuthProfile:
		return profileConfig(cfg, r.creds.Profile, opts.ConfigFile)
	}
	return cfg, nil
}

// profileConfig points cfg at one profile of a databrickscfg file and lets only
// the SDK's file loader fill it (it never overwrites fields already set, so the
// pair's host and limits stay). The profile must belong to the pair's host:
// a profile for another workspace would send one side's writes to the other.
// Errors: unreadable file, missing profile, host mismatch.
func profileConfig(cfg *sdkconfig.Config, profile, file string) (*sdkconfig.Config, error) {
	values, path, err := readProfile(profile, file)
	if err != nil {
		return nil, err
	}
	if h := values["host"]; h != "" && !sameHost(h, cfg.Host) {
		return nil, fmt.Errorf("profile %s in %s is for host %s, not %s", profile, path, h, cfg.Host)
	}
	cfg.Profile, cfg.ConfigFile = profile, path
	cfg.AuthType = profileAuthType(values)
	cfg.Loaders = []sdkconfig.Loader{sdkconfig.ConfigFile}
	return cfg, nil
}

// readProfile returns the keys of one profile and the file's resolved path.
func readProfile(profile, file string) (map[string]string, string, error) {
	f, err := sdkconfig.LoadFile(file)
	if err != nil {
		return nil, "", fmt.Errorf("profile %s: %w", profile, err)
	}
	sec, err := f.GetSection(profile)
	if err != nil {
		return nil, "", fmt.Errorf("profile %s not found in %s", profile, f.Path())
	}
	return sec.KeysHash(), f.Path(), nil
}

// profileAuthType forces the auth type the profile's keys imply; a profile
// naming its own auth_type (databricks-cli, azure-cli, ...) keeps it, since
// the file loader is then its only source.
func profileAuthType(values map[string]string) string {
	switch {
	case values["auth_type"] != "":
		return values["auth_type"]
	case values["token"] != "":
		return config.AuthPAT
	case values["client_id"] != "" && values["client_secret"] != "":
		return config.AuthM2M
	}
	return ""
}

// sameHost compares the host and port of two workspace URLs in
// config.NormalizeHost's spelling; a profile host written without a scheme
// counts as https, and the scheme itself does not make another workspace.
func sameHost(a, b string) bool {
	na, errA := config.NormalizeHost(a)
	nb, errB := config.NormalizeHost(b)
	_, ha, _ := strings.Cut(na, "://")
	_, hb, _ := strings.Cut(nb, "://")
	return errA == nil && errB == nil && ha == hb
}

// explicitOnly is a config loader that loads nothing: every value the client
// uses was set by drsync.
type explicitOnly struct{}

func (explicitOnly) Name() string                      { return "drsync-explicit" }
func (explicitOnly) Configure(*sdkconfig.Config) error { return nil }

// seconds converts d (or def when d is zero) to the SDK's whole seconds,
// rounding up so a sub-second budget does not become "use the default".
func seconds(d, def time.Duration) int {
	if d == 0 {
		d = def
	}
	return int((d + time.Second - 1) / time.Second)
}

func orDefault(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}
