package catalog

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/databricks/databricks-sdk-go/service/workspace"
)

// secretRefRE matches a secret reference in a Spark configuration value or
// environment variable: {{secrets/<scope>/<key>}}, resolved when the
// cluster starts (so a missing one only fails at failover).
var secretRefRE = regexp.MustCompile(`\{\{\s*secrets/([^/{}\s]+)/([^/{}\s]+)\s*\}\}`)

// secretRef is one referenced secret.
type secretRef struct{ scope, key string }

// secretRefs returns the secrets v refers to, in order.
func secretRefs(v string) []secretRef {
	var out []secretRef
	for _, m := range secretRefRE.FindAllStringSubmatch(v, -1) {
		out = append(out, secretRef{scope: m[1], key: m[2]})
	}
	return out
}

// scopeKey is how scopes are matched: scope names are case-insensitive
// (keys are not).
func scopeKey(scope string) string { return strings.ToLower(scope) }

// drSecrets is what was read of DR's secrets: every scope, and the keys of
// the referenced scopes that exist.
type drSecrets struct {
	scopes map[string]string          // scopeKey → the scope's name in DR; nil until read
	keys   map[string]map[string]bool // scopeKey → key → exists
}

// readSecrets lists DR's scopes (unless known) and the keys of each scope
// in want that exists and whose keys are not known yet: one call for the
// scopes, one per such scope.
func readSecrets(ctx context.Context, a *api, have drSecrets, want map[string]bool) (drSecrets, error) {
	out := drSecrets{scopes: have.scopes, keys: map[string]map[string]bool{}}
	if out.scopes == nil {
		scopes, err := a.secrets.ListScopesAll(ctx)
		if err != nil {
			return drSecrets{}, fmt.Errorf("read DR secret scopes: %w", err)
		}
		out.scopes = map[string]string{}
		for _, s := range scopes {
			out.scopes[scopeKey(s.Name)] = s.Name
		}
	}
	for scope := range want {
		name, ok := out.scopes[scope]
		if !ok || have.keys[scope] != nil {
			continue
		}
		keys, err := readSecretKeys(ctx, a, name)
		if err != nil {
			return drSecrets{}, err
		}
		out.keys[scope] = keys
	}
	return out, nil
}

// readSecretKeys lists the keys of one DR scope, named as DR lists it.
func readSecretKeys(ctx context.Context, a *api, scope string) (map[string]bool, error) {
	secrets, err := a.secrets.ListSecretsAll(ctx, workspace.ListSecretsRequest{Scope: scope})
	if err != nil {
		return nil, fmt.Errorf("read the keys of DR secret scope %q: %w", scope, err)
	}
	keys := map[string]bool{}
	for _, s := range secrets {
		keys[s.Key] = true
	}
	return keys, nil
}

// secretReasons says, for each secret v refers to that DR lacks, why.
func (s drSecrets) reasons(v string) []string {
	var out []string
	for _, ref := range secretRefs(v) {
		sk := scopeKey(ref.scope)
		_, exists := s.scopes[sk]
		switch {
		case s.scopes == nil || (exists && s.keys[sk] == nil):
			out = append(out, fmt.Sprintf("secret %s/%s was not looked up: DR secrets were not read (LoadChecks)", ref.scope, ref.key))
		case !exists:
			out = append(out, fmt.Sprintf("secret scope %q does not exist in DR", ref.scope))
		case !s.keys[sk][ref.key]:
			out = append(out, fmt.Sprintf("secret %q is not in DR secret scope %q", ref.key, ref.scope))
		}
	}
	return out
}
