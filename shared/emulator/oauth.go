package emulator

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// OAuth for service principals (M2M), as the SDK's "oauth-m2m" strategy
// drives it: GET /oidc/.well-known/oauth-authorization-server names the token
// endpoint, POST /oidc/v1/token trades the client id and secret (HTTP Basic,
// or client_secret_post form fields) for an access token under the
// client_credentials grant, and the token is then sent as a bearer token
// until it expires (Options.TokenLifetime on the Now clock). Discovery, the
// metadata and the token endpoint need no bearer token, as on a workspace.
//
// Choices where the reference is silent (documented guesses):
//   - Token endpoint errors are RFC 6749 bodies: 401 invalid_client "Client
//     authentication failed" (the text Databricks answers, quoted in public
//     SDK issues), 400 unsupported_grant_type.
//   - An expired token is 401 UNAUTHENTICATED "Token is expired." (public
//     reports differ between 401 and 403 for an expired token).
//   - Access tokens are opaque strings, not JWTs.

// Defaults of the one service principal every emulated workspace knows.
const (
	DefaultClientID      = "5b7e3c1a-9f2d-4e6b-8a1c-0d4f6e8a2b3c"
	DefaultClientSecret  = "dose-emulator-client-secret"
	DefaultTokenLifetime = time.Hour
)

// oauthState holds the access tokens the token endpoint issued.
type oauthState struct {
	mu     sync.Mutex
	expiry map[string]int64 // access token → expiry, epoch ms
}

func newOAuthState() *oauthState { return &oauthState{expiry: map[string]int64{}} }

// tokenState is what a bearer token turned out to be.
type tokenState int

const (
	tokenUnknown tokenState = iota
	tokenValid
	tokenExpired
)

func (o *oauthState) check(token string, now int64) tokenState {
	o.mu.Lock()
	exp, ok := o.expiry[token]
	o.mu.Unlock()
	switch {
	case !ok:
		return tokenUnknown
	case now >= exp:
		return tokenExpired
	}
	return tokenValid
}

func (o *oauthState) issue(token string, expiry int64) {
	o.mu.Lock()
	o.expiry[token] = expiry
	o.mu.Unlock()
}

func (s *Server) oauthRoutes() {
	s.route(http.MethodGet, "/.well-known/databricks-config", s.wellKnown)
	s.route(http.MethodGet, "/oidc/.well-known/oauth-authorization-server", s.oidcMetadata)
	s.route(http.MethodGet, "/oidc/.well-known/openid-configuration", s.oidcMetadata)
	s.routes["POST /oidc/v1/token"] = s.oauthToken
	for _, ep := range []string{"GET /.well-known/databricks-config", "GET /oidc/.well-known/oauth-authorization-server",
		"GET /oidc/.well-known/openid-configuration", "POST /oidc/v1/token"} {
		s.public[ep] = true
	}
}

// baseURL is the server's address as the client reached it.
func baseURL(r *http.Request) string { return "http://" + r.Host }

// wellKnown is the host metadata newer SDKs read first (reference §1.2).
func (s *Server) wellKnown(r *http.Request) (any, error) {
	return map[string]any{
		"oidc_endpoint": baseURL(r) + "/oidc",
		"account_id":    s.accountID(),
		"workspace_id":  fmt.Sprint(s.opts.WorkspaceID),
		"cloud":         "AWS",
	}, nil
}

// accountID is a stable account UUID derived from the workspace id.
func (s *Server) accountID() string {
	return fmt.Sprintf("%08x-0000-4000-8000-%012x", uint32(s.opts.WorkspaceID>>32), uint64(s.opts.WorkspaceID)&0xffffffffffff)
}

func (s *Server) oidcMetadata(r *http.Request) (any, error) {
	oidc := baseURL(r) + "/oidc"
	return map[string]any{
		"issuer":                                oidc,
		"authorization_endpoint":                oidc + "/v1/authorize",
		"token_endpoint":                        oidc + "/v1/token",
		"jwks_uri":                              oidc + "/jwks.json",
		"grant_types_supported":                 []string{"client_credentials", "authorization_code", "refresh_token"},
		"response_types_supported":              []string{"code", "id_token"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
		"scopes_supported":                      []string{"all-apis", "offline_access", "openid", "email", "profile"},
		"code_challenge_methods_supported":      []string{"S256"},
	}, nil
}

// oauthToken is the client_credentials grant of the token endpoint.
func (s *Server) oauthToken(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "The request body could not be parsed.")
		return
	}
	if g := r.PostForm.Get("grant_type"); g != "client_credentials" {
		writeOAuthError(w, http.StatusBadRequest, "unsupported_grant_type", fmt.Sprintf("Grant type %q is not supported.", g))
		return
	}
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if id != s.opts.ClientID || secret != s.opts.ClientSecret {
		writeOAuthError(w, http.StatusUnauthorized, "invalid_client", "Client authentication failed")
		return
	}
	writeJSON(w, http.StatusOK, s.grant(strings.TrimSpace(r.PostForm.Get("scope"))))
}

// grant issues a new access token.
func (s *Server) grant(scope string) map[string]any {
	s.mu.Lock()
	token := s.randString(lowerAlnum, 48)
	s.mu.Unlock()
	lifetime := max(s.opts.TokenLifetime.Round(time.Second), time.Second)
	s.oauth.issue(token, s.now()+lifetime.Milliseconds())
	return map[string]any{
		"access_token": token, "token_type": "Bearer",
		"expires_in": int64(lifetime / time.Second), "scope": cmp.Or(scope, "all-apis"),
	}
}

func writeOAuthError(w http.ResponseWriter, status int, code, description string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": description})
}
