package emulator_test

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/databricks/databricks-sdk-go"
	"github.com/databricks/databricks-sdk-go/apierr"
	"github.com/databricks/databricks-sdk-go/service/workspace"

	"github.com/drsync/drsync/shared/emulator"
	"github.com/drsync/drsync/shared/emulator/emutest"
)

// A created scope is listed by name with the DATABRICKS backend.
func TestSecretsCreateAndListScopes(t *testing.T) {
	ctx := context.Background()
	_, w := emutest.Start(t, emulator.Options{})
	for _, name := range []string{"zeta", "alpha"} {
		if err := w.Secrets.CreateScope(ctx, workspace.CreateScope{Scope: name}); err != nil {
			t.Fatalf("create %s: %v", name, err)
		}
	}
	scopes, err := w.Secrets.ListScopesAll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(scopes) != 2 || scopes[0].Name != "alpha" || scopes[1].Name != "zeta" {
		t.Fatalf("scopes = %+v, want alpha, zeta", scopes)
	}
	if scopes[0].BackendType != workspace.ScopeBackendTypeDatabricks {
		t.Fatalf("backend = %q, want DATABRICKS", scopes[0].BackendType)
	}
}

// Creating a scope twice (names are case-insensitive) is 400 RESOURCE_ALREADY_EXISTS.
func TestSecretsDuplicateScope(t *testing.T) {
	ctx := context.Background()
	_, w := emutest.Start(t, emulator.Options{})
	if err := w.Secrets.CreateScope(ctx, workspace.CreateScope{Scope: "team"}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"team", "TEAM"} {
		err := w.Secrets.CreateScope(ctx, workspace.CreateScope{Scope: name})
		if !errors.Is(err, databricks.ErrResourceAlreadyExists) {
			t.Fatalf("create %s again: err = %v, want ErrResourceAlreadyExists", name, err)
		}
		if secretsStatus(err) != http.StatusBadRequest {
			t.Fatalf("status = %d, want 400", secretsStatus(err))
		}
	}
}

// Scope names outside [A-Za-z0-9_.@-]{1,128} are refused as invalid parameters.
func TestSecretsInvalidScopeName(t *testing.T) {
	ctx := context.Background()
	_, w := emutest.Start(t, emulator.Options{})
	for _, name := range []string{"has space", strings.Repeat("x", 129), "slash/name"} {
		err := w.Secrets.CreateScope(ctx, workspace.CreateScope{Scope: name})
		if !errors.Is(err, databricks.ErrInvalidParameterValue) {
			t.Fatalf("create %q: err = %v, want ErrInvalidParameterValue", name, err)
		}
	}
}

// Every call naming a missing scope is 404 RESOURCE_DOES_NOT_EXIST.
func TestSecretsMissingScope(t *testing.T) {
	ctx := context.Background()
	_, w := emutest.Start(t, emulator.Options{})
	calls := map[string]func() error{
		"list": func() error {
			_, err := w.Secrets.ListSecretsAll(ctx, workspace.ListSecretsRequest{Scope: "nope"})
			return err
		},
		"put": func() error {
			return w.Secrets.PutSecret(ctx, workspace.PutSecret{Scope: "nope", Key: "k", StringValue: "v"})
		},
		"delete": func() error {
			return w.Secrets.DeleteSecret(ctx, workspace.DeleteSecret{Scope: "nope", Key: "k"})
		},
		"delete scope": func() error { return w.Secrets.DeleteScopeByScope(ctx, "nope") },
		"list acls": func() error {
			_, err := w.Secrets.ListAclsAll(ctx, workspace.ListAclsRequest{Scope: "nope"})
			return err
		},
		"put acl": func() error {
			return w.Secrets.PutAcl(ctx, workspace.PutAcl{Scope: "nope", Principal: "users", Permission: workspace.AclPermissionRead})
		},
	}
	for name, call := range calls {
		err := call()
		if !errors.Is(err, databricks.ErrResourceDoesNotExist) || secretsStatus(err) != http.StatusNotFound {
			t.Errorf("%s: err = %v (status %d), want 404 RESOURCE_DOES_NOT_EXIST", name, err, secretsStatus(err))
		}
	}
}

// Keys are listed sorted with last_updated_timestamp from the clock; a put overwrites.
func TestSecretsPutListOverwrite(t *testing.T) {
	ctx := context.Background()
	now := time.UnixMilli(1_700_000_000_000)
	_, w := emutest.Start(t, emulator.Options{Now: func() time.Time { return now }})
	secretsMustCreateScope(t, w, "app")
	put := []workspace.PutSecret{
		{Scope: "app", Key: "token", StringValue: "s3cr3t"},
		{Scope: "app", Key: "cert.pem", BytesValue: base64.StdEncoding.EncodeToString([]byte{0, 1, 2})},
	}
	for _, p := range put {
		if err := w.Secrets.PutSecret(ctx, p); err != nil {
			t.Fatalf("put %s: %v", p.Key, err)
		}
	}
	now = now.Add(time.Minute)
	if err := w.Secrets.PutSecret(ctx, workspace.PutSecret{Scope: "app", Key: "token", StringValue: "rotated"}); err != nil {
		t.Fatal(err)
	}
	got, err := w.Secrets.ListSecretsAll(ctx, workspace.ListSecretsRequest{Scope: "app"})
	if err != nil {
		t.Fatal(err)
	}
	want := []workspace.SecretMetadata{
		{Key: "cert.pem", LastUpdatedTimestamp: 1_700_000_000_000},
		{Key: "token", LastUpdatedTimestamp: 1_700_000_060_000},
	}
	if len(got) != len(want) || got[0].Key != want[0].Key || got[0].LastUpdatedTimestamp != want[0].LastUpdatedTimestamp ||
		got[1].Key != want[1].Key || got[1].LastUpdatedTimestamp != want[1].LastUpdatedTimestamp {
		t.Fatalf("secrets = %+v, want %+v", got, want)
	}
}

// A put needs exactly one of string_value / bytes_value and a valid key.
func TestSecretsPutValidation(t *testing.T) {
	ctx := context.Background()
	_, w := emutest.Start(t, emulator.Options{})
	secretsMustCreateScope(t, w, "app")
	bad := map[string]workspace.PutSecret{
		"no value":   {Scope: "app", Key: "k"},
		"both":       {Scope: "app", Key: "k", StringValue: "a", BytesValue: "YQ=="},
		"bad key":    {Scope: "app", Key: "a/b", StringValue: "a"},
		"too large":  {Scope: "app", Key: "k", StringValue: strings.Repeat("x", 128*1024+1)},
		"not base64": {Scope: "app", Key: "k", BytesValue: "!!"},
	}
	for name, p := range bad {
		if err := w.Secrets.PutSecret(ctx, p); !errors.Is(err, databricks.ErrBadRequest) {
			t.Errorf("%s: err = %v, want a 400", name, err)
		}
	}
	if keys, _ := w.Secrets.ListSecretsAll(ctx, workspace.ListSecretsRequest{Scope: "app"}); len(keys) != 0 {
		t.Fatalf("refused puts stored keys: %+v", keys)
	}
}

// Deleting a key removes it; deleting it again is RESOURCE_DOES_NOT_EXIST.
func TestSecretsDeleteSecret(t *testing.T) {
	ctx := context.Background()
	_, w := emutest.Start(t, emulator.Options{})
	secretsMustCreateScope(t, w, "app")
	if err := w.Secrets.PutSecret(ctx, workspace.PutSecret{Scope: "app", Key: "k", StringValue: "v"}); err != nil {
		t.Fatal(err)
	}
	del := workspace.DeleteSecret{Scope: "app", Key: "k"}
	if err := w.Secrets.DeleteSecret(ctx, del); err != nil {
		t.Fatal(err)
	}
	if err := w.Secrets.DeleteSecret(ctx, del); !errors.Is(err, databricks.ErrResourceDoesNotExist) {
		t.Fatalf("second delete: err = %v, want ErrResourceDoesNotExist", err)
	}
	if keys, _ := w.Secrets.ListSecretsAll(ctx, workspace.ListSecretsRequest{Scope: "app"}); len(keys) != 0 {
		t.Fatalf("keys after delete = %+v", keys)
	}
}

// Deleting a scope removes it with its keys; the name can then be reused empty.
func TestSecretsDeleteScope(t *testing.T) {
	ctx := context.Background()
	_, w := emutest.Start(t, emulator.Options{})
	secretsMustCreateScope(t, w, "app")
	if err := w.Secrets.PutSecret(ctx, workspace.PutSecret{Scope: "app", Key: "k", StringValue: "v"}); err != nil {
		t.Fatal(err)
	}
	if err := w.Secrets.DeleteScopeByScope(ctx, "app"); err != nil {
		t.Fatal(err)
	}
	if scopes, _ := w.Secrets.ListScopesAll(ctx); len(scopes) != 0 {
		t.Fatalf("scopes after delete = %+v", scopes)
	}
	secretsMustCreateScope(t, w, "app")
	if keys, _ := w.Secrets.ListSecretsAll(ctx, workspace.ListSecretsRequest{Scope: "app"}); len(keys) != 0 {
		t.Fatalf("recreated scope has keys %+v", keys)
	}
}

// secrets/get is refused with 400 BAD_REQUEST, and no response ever carries a value.
func TestSecretsValuesNeverServed(t *testing.T) {
	ctx := context.Background()
	srv, w := emutest.Start(t, emulator.Options{})
	secretsMustCreateScope(t, w, "app")
	const value = "very-secret-value"
	if err := w.Secrets.PutSecret(ctx, workspace.PutSecret{Scope: "app", Key: "k", StringValue: value}); err != nil {
		t.Fatal(err)
	}
	_, err := w.Secrets.GetSecret(ctx, workspace.GetSecretRequest{Scope: "app", Key: "k"})
	var ae *apierr.APIError
	if !errors.As(err, &ae) || ae.StatusCode != http.StatusBadRequest || ae.ErrorCode != "BAD_REQUEST" {
		t.Fatalf("get: err = %#v, want 400 BAD_REQUEST", err)
	}
	for _, path := range []string{"/api/2.0/secrets/get?scope=app&key=k", "/api/2.0/secrets/list?scope=app"} {
		body := secretsRawGet(t, srv, path)
		if strings.Contains(body, value) || strings.Contains(body, base64.StdEncoding.EncodeToString([]byte(value))) {
			t.Fatalf("%s served the value: %s", path, body)
		}
	}
}

// The creator gets MANAGE unless initial_manage_principal names another principal.
func TestSecretsInitialManageACL(t *testing.T) {
	ctx := context.Background()
	_, w := emutest.Start(t, emulator.Options{UserName: "ops@example.com"})
	secretsMustCreateScope(t, w, "mine")
	if err := w.Secrets.CreateScope(ctx, workspace.CreateScope{Scope: "shared", InitialManagePrincipal: "users"}); err != nil {
		t.Fatal(err)
	}
	for scope, principal := range map[string]string{"mine": "ops@example.com", "shared": "users"} {
		acls, err := w.Secrets.ListAclsAll(ctx, workspace.ListAclsRequest{Scope: scope})
		if err != nil {
			t.Fatal(err)
		}
		if len(acls) != 1 || acls[0].Principal != principal || acls[0].Permission != workspace.AclPermissionManage {
			t.Fatalf("%s acls = %+v, want %s MANAGE", scope, acls, principal)
		}
	}
}

// ACL put creates or overwrites, get and list read it back, delete removes it.
func TestSecretsACLLifecycle(t *testing.T) {
	ctx := context.Background()
	_, w := emutest.Start(t, emulator.Options{})
	secretsMustCreateScope(t, w, "app")
	for _, perm := range []workspace.AclPermission{workspace.AclPermissionRead, workspace.AclPermissionWrite} {
		if err := w.Secrets.PutAcl(ctx, workspace.PutAcl{Scope: "app", Principal: "data-eng", Permission: perm}); err != nil {
			t.Fatalf("put %s: %v", perm, err)
		}
	}
	got, err := w.Secrets.GetAcl(ctx, workspace.GetAclRequest{Scope: "app", Principal: "data-eng"})
	if err != nil || got.Permission != workspace.AclPermissionWrite {
		t.Fatalf("get = %+v, %v; want WRITE", got, err)
	}
	acls, err := w.Secrets.ListAclsAll(ctx, workspace.ListAclsRequest{Scope: "app"})
	if err != nil || len(acls) != 2 {
		t.Fatalf("list = %+v, %v; want creator + data-eng", acls, err)
	}
	if err := w.Secrets.DeleteAcl(ctx, workspace.DeleteAcl{Scope: "app", Principal: "data-eng"}); err != nil {
		t.Fatal(err)
	}
	_, err = w.Secrets.GetAcl(ctx, workspace.GetAclRequest{Scope: "app", Principal: "data-eng"})
	if !errors.Is(err, databricks.ErrResourceDoesNotExist) {
		t.Fatalf("get after delete: err = %v, want ErrResourceDoesNotExist", err)
	}
	err = w.Secrets.DeleteAcl(ctx, workspace.DeleteAcl{Scope: "app", Principal: "data-eng"})
	if !errors.Is(err, databricks.ErrResourceDoesNotExist) {
		t.Fatalf("delete again: err = %v, want ErrResourceDoesNotExist", err)
	}
}

// Permissions other than READ, WRITE and MANAGE are invalid parameters.
func TestSecretsACLInvalidPermission(t *testing.T) {
	ctx := context.Background()
	_, w := emutest.Start(t, emulator.Options{})
	secretsMustCreateScope(t, w, "app")
	err := w.Secrets.PutAcl(ctx, workspace.PutAcl{Scope: "app", Principal: "users", Permission: "OWNER"})
	if !errors.Is(err, databricks.ErrInvalidParameterValue) {
		t.Fatalf("err = %v, want ErrInvalidParameterValue", err)
	}
}

// Azure Key Vault scopes are listed with their metadata and refuse writes.
func TestSecretsKeyVaultScope(t *testing.T) {
	ctx := context.Background()
	_, w := emutest.Start(t, emulator.Options{})
	kv := &workspace.AzureKeyVaultSecretScopeMetadata{DnsName: "https://kv.vault.azure.net/", ResourceId: "/subscriptions/x/vaults/kv"}
	err := w.Secrets.CreateScope(ctx, workspace.CreateScope{Scope: "kv", ScopeBackendType: workspace.ScopeBackendTypeAzureKeyvault, BackendAzureKeyvault: kv})
	if err != nil {
		t.Fatal(err)
	}
	scopes, err := w.Secrets.ListScopesAll(ctx)
	if err != nil || len(scopes) != 1 || scopes[0].KeyvaultMetadata == nil || scopes[0].KeyvaultMetadata.DnsName != kv.DnsName {
		t.Fatalf("scopes = %+v, %v", scopes, err)
	}
	err = w.Secrets.PutSecret(ctx, workspace.PutSecret{Scope: "kv", Key: "k", StringValue: "v"})
	if !errors.Is(err, databricks.ErrBadRequest) {
		t.Fatalf("put into key vault scope: err = %v, want 400", err)
	}
}

// SeedSecretScope creates a scope and keys visible through the API.
func TestSecretsSeed(t *testing.T) {
	ctx := context.Background()
	srv, w := emutest.Start(t, emulator.Options{})
	if err := srv.SeedSecretScope("etl", map[string]string{"b": "2", "a": "1"}); err != nil {
		t.Fatal(err)
	}
	if err := srv.SeedSecretScope("etl", nil); err == nil {
		t.Fatal("seeding an existing scope succeeded")
	}
	keys, err := w.Secrets.ListSecretsAll(ctx, workspace.ListSecretsRequest{Scope: "etl"})
	if err != nil || len(keys) != 2 || keys[0].Key != "a" || keys[0].LastUpdatedTimestamp == 0 {
		t.Fatalf("keys = %+v, %v", keys, err)
	}
}

func secretsMustCreateScope(t *testing.T, w *databricks.WorkspaceClient, name string) {
	t.Helper()
	if err := w.Secrets.CreateScope(context.Background(), workspace.CreateScope{Scope: name}); err != nil {
		t.Fatalf("create scope %s: %v", name, err)
	}
}

func secretsStatus(err error) int {
	var ae *apierr.APIError
	if errors.As(err, &ae) {
		return ae.StatusCode
	}
	return 0
}

// rawGet performs an authenticated GET and returns the body, whatever the status.
func secretsRawGet(t *testing.T, srv *emulator.Server, path string) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, srv.URL()+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+srv.Token())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
