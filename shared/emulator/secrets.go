package emulator

import (
	"encoding/base64"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strings"
)

// Secrets (reference §2.6). Only metadata is ever served: scope names and backends,
// key names with their last update time, and ACLs. Values are kept so a put can be
// told from a missing key, but no endpoint returns them.

// Limits from the Secrets API documentation.
const (
	maxSecretValueBytes = 128 * 1024
	maxSecretsPerScope  = 1000
	maxSecretScopes     = 1000 // the current docs; older pages said 100
)

var (
	// Scope names: alphanumerics, dashes, underscores, @ and periods, ≤ 128 chars.
	scopeNameRE = regexp.MustCompile(`^[A-Za-z0-9_.@-]{1,128}$`)
	// Secret keys: alphanumerics, dashes, underscores and periods, ≤ 128 chars.
	secretKeyRE = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,128}$`)
)

// secretScope is one scope with its keys and ACLs.
type secretScope struct {
	name     string
	backend  string         // DATABRICKS or AZURE_KEYVAULT
	keyvault map[string]any // keyvault_metadata for AZURE_KEYVAULT scopes
	secrets  map[string]secretValue
	acls     map[string]string // principal → READ|WRITE|MANAGE
}

type secretValue struct {
	value   []byte
	updated int64
}

// secretsState holds secret scopes, keys (values never served) and ACLs.
type secretsState struct {
	// scopes is keyed by the lower-cased name: scope names are case-insensitive
	// (Databricks docs, "Secret scopes"), while the name is echoed as created.
	scopes map[string]*secretScope
}

func newSecretsState() *secretsState {
	return &secretsState{scopes: map[string]*secretScope{}}
}

func (s *Server) secretRoutes() {
	s.route(http.MethodGet, "/api/2.0/secrets/scopes/list", s.listSecretScopes)
	s.route(http.MethodPost, "/api/2.0/secrets/scopes/create", s.createSecretScope)
	s.route(http.MethodPost, "/api/2.0/secrets/scopes/delete", s.deleteSecretScope)
	s.route(http.MethodGet, "/api/2.0/secrets/list", s.listSecrets)
	s.route(http.MethodPost, "/api/2.0/secrets/put", s.putSecret)
	s.route(http.MethodPost, "/api/2.0/secrets/delete", s.deleteSecret)
	s.route(http.MethodGet, "/api/2.0/secrets/get", s.getSecret)
	s.route(http.MethodGet, "/api/2.0/secrets/acls/list", s.listSecretACLs)
	s.route(http.MethodGet, "/api/2.0/secrets/acls/get", s.getSecretACL)
	s.route(http.MethodPost, "/api/2.0/secrets/acls/put", s.putSecretACL)
	s.route(http.MethodPost, "/api/2.0/secrets/acls/delete", s.deleteSecretACL)
}

// scope finds a scope by name; call with s.mu held.
func (st *secretsState) scope(name string) (*secretScope, error) {
	sc, ok := st.scopes[strings.ToLower(name)]
	if !ok {
		return nil, notFound("Scope %s does not exist!", name)
	}
	return sc, nil
}

func (s *Server) listSecretScopes(*http.Request) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]map[string]any, 0, len(s.secr.scopes))
	for _, key := range slices.Sorted(maps.Keys(s.secr.scopes)) {
		sc := s.secr.scopes[key]
		item := map[string]any{"name": sc.name, "backend_type": sc.backend}
		if sc.keyvault != nil {
			item["keyvault_metadata"] = sc.keyvault
		}
		out = append(out, item)
	}
	return secretList("scopes", out), nil
}

// secretList is {"<field>": items}, or {} when there are none: the service, like
// proto3 JSON, leaves empty repeated fields out.
func secretList(field string, items []map[string]any) map[string]any {
	if len(items) == 0 {
		return map[string]any{}
	}
	return map[string]any{field: items}
}

type createScopeRequest struct {
	Scope                  string         `json:"scope"`
	InitialManagePrincipal string         `json:"initial_manage_principal"`
	ScopeBackendType       string         `json:"scope_backend_type"`
	BackendAzureKeyvault   map[string]any `json:"backend_azure_keyvault"`
}

func (s *Server) createSecretScope(r *http.Request) (any, error) {
	var req createScopeRequest
	if err := readJSON(r, &req); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return nil, s.addScope(req)
}

// addScope validates and stores a new scope; call with s.mu held.
func (s *Server) addScope(req createScopeRequest) error {
	if !scopeNameRE.MatchString(req.Scope) {
		return invalidParam("Scope name %q must consist of alphanumeric characters, dashes, underscores, @, and periods, and may not exceed 128 characters.", req.Scope)
	}
	backend := strings.ToUpper(req.ScopeBackendType)
	if backend == "" {
		backend = "DATABRICKS"
	}
	if backend != "DATABRICKS" && backend != "AZURE_KEYVAULT" {
		return invalidParam("Invalid scope_backend_type %s", req.ScopeBackendType)
	}
	if backend == "AZURE_KEYVAULT" && req.BackendAzureKeyvault == nil {
		return invalidParam("backend_azure_keyvault is required for an AZURE_KEYVAULT scope")
	}
	if _, ok := s.secr.scopes[strings.ToLower(req.Scope)]; ok {
		return alreadyExists("Scope %s already exists!", req.Scope)
	}
	if len(s.secr.scopes) >= maxSecretScopes {
		return errorf(http.StatusBadRequest, "RESOURCE_LIMIT_EXCEEDED", "Maximum number of secret scopes (%d) reached.", maxSecretScopes)
	}
	// Without initial_manage_principal the caller gets MANAGE (API docs).
	manager := req.InitialManagePrincipal
	if manager == "" {
		manager = s.opts.UserName
	}
	sc := &secretScope{
		name:    req.Scope,
		backend: backend,
		secrets: map[string]secretValue{},
		acls:    map[string]string{manager: "MANAGE"},
	}
	if backend == "AZURE_KEYVAULT" {
		sc.keyvault = req.BackendAzureKeyvault
	}
	s.secr.scopes[strings.ToLower(req.Scope)] = sc
	return nil
}

func (s *Server) deleteSecretScope(r *http.Request) (any, error) {
	return withLocked(s, r, s.scopeIn, func(_ compDoc, sc *secretScope) (any, error) {
		delete(s.secr.scopes, strings.ToLower(sc.name))
		return nil, nil
	})
}

// scopeIn finds the scope a write body names by scope.
func (s *Server) scopeIn(doc compDoc) (*secretScope, error) {
	name, err := doc.str("scope")
	if err != nil {
		return nil, err
	}
	return s.secr.scope(name)
}

func (s *Server) listSecrets(r *http.Request) (any, error) {
	return s.onScope(r, func(sc *secretScope) (any, error) {
		out := make([]map[string]any, 0, len(sc.secrets))
		for _, key := range slices.Sorted(maps.Keys(sc.secrets)) {
			out = append(out, map[string]any{"key": key, "last_updated_timestamp": sc.secrets[key].updated})
		}
		return secretList("secrets", out), nil
	})
}

// onScope runs fn on the scope the query names, with s.mu held.
func (s *Server) onScope(r *http.Request, fn func(*secretScope) (any, error)) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sc, err := s.secr.scope(r.URL.Query().Get("scope"))
	if err != nil {
		return nil, err
	}
	return fn(sc)
}

type putSecretRequest struct {
	Scope       string  `json:"scope"`
	Key         string  `json:"key"`
	StringValue *string `json:"string_value"`
	BytesValue  *string `json:"bytes_value"`
}

func (s *Server) putSecret(r *http.Request) (any, error) {
	var req putSecretRequest
	if err := readJSON(r, &req); err != nil {
		return nil, err
	}
	value, err := req.value()
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return nil, s.storeSecret(req.Scope, req.Key, value)
}

// value checks that exactly one of string_value and bytes_value is given
// (docs: "Exactly one must be specified") and returns the raw bytes.
func (req putSecretRequest) value() ([]byte, error) {
	switch {
	case req.StringValue != nil && req.BytesValue != nil:
		return nil, errorf(http.StatusBadRequest, "MALFORMED_REQUEST", "Only one of string_value and bytes_value may be specified.")
	case req.StringValue != nil:
		return []byte(*req.StringValue), nil
	case req.BytesValue != nil:
		b, err := base64.StdEncoding.DecodeString(*req.BytesValue)
		if err != nil {
			return nil, errorf(http.StatusBadRequest, "MALFORMED_REQUEST", "bytes_value must be base64 encoded: %v", err)
		}
		return b, nil
	}
	return nil, invalidParam("Exactly one of string_value and bytes_value must be specified.")
}

// storeSecret creates or overwrites one key; call with s.mu held.
func (s *Server) storeSecret(scope, key string, value []byte) error {
	sc, err := s.secr.scope(scope)
	if err != nil {
		return err
	}
	if sc.backend != "DATABRICKS" {
		return errorf(http.StatusBadRequest, "BAD_REQUEST", "Cannot write secrets to Azure KeyVault-backed scope %s", sc.name)
	}
	if !secretKeyRE.MatchString(key) {
		return invalidParam("Secret key %q must consist of alphanumeric characters, dashes, underscores, and periods, and may not exceed 128 characters.", key)
	}
	if len(value) > maxSecretValueBytes {
		return invalidParam("Secret value size %d exceeds the maximum of %d bytes.", len(value), maxSecretValueBytes)
	}
	if _, ok := sc.secrets[key]; !ok && len(sc.secrets) >= maxSecretsPerScope {
		return errorf(http.StatusBadRequest, "RESOURCE_LIMIT_EXCEEDED", "Maximum number of secrets (%d) in scope %s exceeded.", maxSecretsPerScope, sc.name)
	}
	sc.secrets[key] = secretValue{value: slices.Clone(value), updated: s.now()}
	return nil
}

func (s *Server) deleteSecret(r *http.Request) (any, error) {
	return withLocked(s, r, s.scopeIn, func(doc compDoc, sc *secretScope) (any, error) {
		key, _ := doc.str("key")
		if sc.backend != "DATABRICKS" {
			return nil, errorf(http.StatusBadRequest, "BAD_REQUEST", "Cannot delete secrets from Azure KeyVault-backed scope %s", sc.name)
		}
		if _, ok := sc.secrets[key]; !ok {
			return nil, notFound("Secret %s does not exist in scope %s!", key, sc.name)
		}
		delete(sc.secrets, key)
		return nil, nil
	})
}

// getSecret is always refused: outside a notebook the service answers BAD_REQUEST
// (reference §2.6), and the emulator never serves secret values.
func (s *Server) getSecret(*http.Request) (any, error) {
	return nil, errorf(http.StatusBadRequest, "BAD_REQUEST",
		"Secret values can only be read from within a command on a cluster (dbutils.secrets).")
}

func (s *Server) listSecretACLs(r *http.Request) (any, error) {
	return s.onScope(r, func(sc *secretScope) (any, error) {
		out := make([]map[string]any, 0, len(sc.acls))
		for _, p := range slices.Sorted(maps.Keys(sc.acls)) {
			out = append(out, secretACLItem(p, sc.acls[p]))
		}
		return secretList("items", out), nil
	})
}

func secretACLItem(principal, permission string) map[string]any {
	return map[string]any{"principal": principal, "permission": permission}
}

func (s *Server) getSecretACL(r *http.Request) (any, error) {
	return s.onScope(r, func(sc *secretScope) (any, error) {
		principal := r.URL.Query().Get("principal")
		perm, ok := sc.acls[principal]
		if !ok {
			return nil, notFound("No ACL for principal %s on scope %s", principal, sc.name)
		}
		return secretACLItem(principal, perm), nil
	})
}

// putSecretACL creates or overwrites the principal's ACL. The API page says both
// "creates or overwrites" and "throws RESOURCE_ALREADY_EXISTS if a permission for
// the principal already exists"; the emulator follows the first (an assumption).
func (s *Server) putSecretACL(r *http.Request) (any, error) {
	return withLocked(s, r, s.scopeIn, func(doc compDoc, sc *secretScope) (any, error) {
		principal, _ := doc.str("principal")
		switch perm, _ := doc.str("permission"); {
		case perm != "READ" && perm != "WRITE" && perm != "MANAGE":
			return nil, invalidParam("Invalid permission %q: must be one of READ, WRITE, MANAGE", perm)
		case principal == "":
			return nil, invalidParam("principal is required")
		default:
			sc.acls[principal] = perm
		}
		return nil, nil
	})
}

func (s *Server) deleteSecretACL(r *http.Request) (any, error) {
	return withLocked(s, r, s.scopeIn, func(doc compDoc, sc *secretScope) (any, error) {
		principal, _ := doc.str("principal")
		if _, ok := sc.acls[principal]; !ok {
			return nil, notFound("No ACL for principal %s on scope %s", principal, sc.name)
		}
		delete(sc.acls, principal)
		return nil, nil
	})
}

// SeedSecretScope creates a Databricks-backed scope with the given keys (values are
// kept, never served), bypassing HTTP, rate limits and faults. It fails like
// scopes/create and put would: an existing scope, a bad name, key or value size.
func (s *Server) SeedSecretScope(scope string, keys map[string]string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.addScope(createScopeRequest{Scope: scope}); err != nil {
		return err
	}
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		if err := s.storeSecret(scope, k, []byte(keys[k])); err != nil {
			return err
		}
	}
	return nil
}
