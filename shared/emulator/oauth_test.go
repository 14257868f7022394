package emulator_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/databricks/databricks-sdk-go"
	"github.com/databricks/databricks-sdk-go/config"
	"github.com/databricks/databricks-sdk-go/credentials/u2m"
	"github.com/databricks/databricks-sdk-go/httpclient"

	"github.com/drsync/drsync/shared/emulator"
	"github.com/drsync/drsync/shared/emulator/emutest"
)

// Discovery and the OIDC metadata answer without a token, as on a workspace
// (both SDKs call them before they have one), and name the server's own
// address; the metadata's token endpoint is what the SDK's M2M flow uses.
func TestDiscoveryWithoutAuth(t *testing.T) {
	srv, _ := emutest.Start(t, emulator.Options{WorkspaceID: 4242})
	ctx := context.Background()
	anonymous := httpclient.NewApiClient(httpclient.ClientConfig{RetryTimeout: 5 * time.Second})
	var meta struct {
		OIDCEndpoint string `json:"oidc_endpoint"`
		WorkspaceID  string `json:"workspace_id"`
		AccountID    string `json:"account_id"`
		Cloud        string `json:"cloud"`
	}
	if err := anonymous.Do(ctx, http.MethodGet, srv.URL()+"/.well-known/databricks-config", httpclient.WithResponseUnmarshal(&meta)); err != nil {
		t.Fatalf("discovery without a token: %v", err)
	}
	if meta.OIDCEndpoint != srv.URL()+"/oidc" || meta.WorkspaceID != "4242" || meta.AccountID == "" || meta.Cloud != "AWS" {
		t.Fatalf("discovery = %+v, want oidc_endpoint %s/oidc, workspace 4242, an account, AWS", meta, srv.URL())
	}
	endpoints, err := (&u2m.BasicOAuthEndpointSupplier{Client: anonymous}).GetWorkspaceOAuthEndpoints(ctx, srv.URL())
	if err != nil || endpoints.TokenEndpoint != srv.URL()+"/oidc/v1/token" {
		t.Fatalf("OIDC endpoints = %+v, %v; want token endpoint %s/oidc/v1/token", endpoints, err, srv.URL())
	}
}

// The SDK's OAuth M2M flow logs in with the client credentials, uses the
// access token as a bearer token, and when the token expires fetches a new
// one; the expired token is refused with 401.
func TestM2MLoginAndTokenRefresh(t *testing.T) {
	t.Parallel() // waits a token lifetime (1 s)
	srv, _ := emutest.Start(t, emulator.Options{TokenLifetime: time.Second})
	seen := &bearerLog{}
	w := m2mClient(t, srv, srv.ClientSecret(), seen)
	ctx := context.Background()
	if _, err := w.CurrentUser.Me(ctx); err != nil {
		t.Fatalf("Me with M2M: %v", err)
	}
	// The SDK stamped the token's expiry before Me returned: once a lifetime
	// has passed from here, both sides hold the token expired.
	expired := time.Now().Add(time.Second + 50*time.Millisecond)
	waitUntil(ctx, t, expired)
	if _, err := w.CurrentUser.Me(ctx); err != nil {
		t.Fatalf("Me after the token expired: %v", err)
	}
	tokens := seen.tokens()
	if len(tokens) != 2 || tokens[0] == tokens[1] || tokens[0] == srv.Token() {
		t.Fatalf("bearer tokens sent = %d distinct of %v, want two different OAuth tokens", len(tokens), tokens)
	}
	if n := srv.RequestCount("POST /oidc/v1/token"); n != 2 {
		t.Fatalf("token requests = %d, want 2 (login, refresh)", n)
	}
	if status := rawStatus(t, srv, "/api/2.0/preview/scim/v2/Me", tokens[0]); status != http.StatusUnauthorized {
		t.Fatalf("expired token: status %d, want 401", status)
	}
}

// A wrong client secret gets no token, so no call goes through.
func TestM2MWrongSecretIsRefused(t *testing.T) {
	srv, _ := emutest.Start(t, emulator.Options{})
	w := m2mClient(t, srv, "dose-wrong", &bearerLog{})
	if _, err := w.CurrentUser.Me(context.Background()); err == nil {
		t.Fatal("Me with a wrong client secret succeeded")
	}
	if srv.RequestCount("POST /oidc/v1/token") == 0 || srv.RequestCount("GET /api/2.0/preview/scim/v2/Me") != 0 {
		t.Fatalf("requests %v: want a token request and no API call", srv.Requests())
	}
}

// m2mClient is a WorkspaceClient logging in as srv's service principal with
// secret, recording the bearer token of every API call in seen.
func m2mClient(t *testing.T, srv *emulator.Server, secret string, seen *bearerLog) *databricks.WorkspaceClient {
	t.Helper()
	w, err := databricks.NewWorkspaceClient(&databricks.Config{
		Host: srv.URL(), ClientID: srv.ClientID(), ClientSecret: secret, AuthType: "oauth-m2m",
		RetryTimeoutSeconds: 10, HTTPTransport: seen, Loaders: []config.Loader{noEnv{}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

type noEnv struct{}

func (noEnv) Name() string                   { return "test-explicit" }
func (noEnv) Configure(*config.Config) error { return nil }

// bearerLog is a real transport that remembers the distinct bearer tokens of
// API calls, in the order first seen.
type bearerLog struct {
	mu   sync.Mutex
	seen []string
}

func (b *bearerLog) RoundTrip(r *http.Request) (*http.Response, error) {
	if token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok && r.URL.Path != "/oidc/v1/token" {
		b.mu.Lock()
		if len(b.seen) == 0 || b.seen[len(b.seen)-1] != token {
			b.seen = append(b.seen, token)
		}
		b.mu.Unlock()
	}
	return http.DefaultTransport.RoundTrip(r)
}

func (b *bearerLog) tokens() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.seen...)
}

// rawStatus is the status of a GET of path with bearer token.
func rawStatus(t *testing.T, srv *emulator.Server, path, token string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, srv.URL()+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	return resp.StatusCode
}

// waitUntil sleeps until deadline, or fails the test if ctx ends first.
func waitUntil(ctx context.Context, t *testing.T, deadline time.Time) {
	t.Helper()
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	select {
	case <-timer.C:
	case <-ctx.Done():
		t.Fatal(ctx.Err())
	}
}
