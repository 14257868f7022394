package emulator_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/databricks/databricks-sdk-go/apierr"
	"github.com/databricks/databricks-sdk-go/listing"
	"github.com/databricks/databricks-sdk-go/service/iam"

	"github.com/drsync/drsync/shared/emulator"
	"github.com/drsync/drsync/shared/emulator/emutest"
)

// Users list with a filter ends with one empty page, as the SDK drives it.
func TestSCIMUsersFilterAndPaging(t *testing.T) {
	srv, w := emutest.Start(t, emulator.Options{})
	ctx := context.Background()
	users, err := w.UsersV2.ListAll(ctx, iam.ListUsersRequest{Filter: `userName eq "ALICE@example.com"`})
	if err != nil || len(users) != 1 || users[0].UserName != "alice@example.com" || users[0].Id == "" {
		t.Fatalf("filtered users = %+v, %v", users, err)
	}
	if len(users[0].Groups) == 0 || users[0].Groups[0].Display != "data-eng" {
		t.Fatalf("alice's groups = %+v", users[0].Groups)
	}
	if n := srv.RequestCount("GET /api/2.0/preview/scim/v2/Users"); n != 2 {
		t.Fatalf("filtered list took %d calls, want 2 (one page, one empty)", n)
	}
	// The v1 clients (deprecated in v0.118.0, still what much code calls) hit
	// the same paths and page the same way.
	v1, err := w.Users.ListAll(ctx, iam.ListUsersRequest{Filter: `userName eq "bob@example.com"`}) //nolint:staticcheck // the v1 client on purpose
	if err != nil || len(v1) != 1 || v1[0].UserName != "bob@example.com" {
		t.Fatalf("v1 filtered users = %+v, %v", v1, err)
	}
	// ListAll stops at Count items; the iterator pages through everything.
	all, err := listing.ToSlice(ctx, w.UsersV2.List(ctx, iam.ListUsersRequest{Count: 2}))
	if err != nil || len(all) != 4 { // alice, bob, carol and the token's user
		t.Fatalf("all users = %d, %v", len(all), err)
	}
	if n := srv.RequestCount("GET /api/2.0/preview/scim/v2/Users"); n != 4+3 {
		t.Fatalf("paged list took %d calls, want 3 (2+2+empty)", n-4)
	}
	got, err := w.UsersV2.Get(ctx, iam.GetUserRequest{Id: users[0].Id})
	if err != nil || got.UserName != "alice@example.com" {
		t.Fatalf("get = %+v, %v", got, err)
	}
	me, err := w.CurrentUser.Me(ctx)
	if err != nil || me.UserName != "admin@example.com" || me.Id != "7723901234567890" {
		t.Fatalf("me = %+v, %v", me, err)
	}
}

// Groups by displayName, service principals by applicationId; SCIM errors.
func TestSCIMGroupsAndServicePrincipals(t *testing.T) {
	_, w := emutest.Start(t, emulator.Options{})
	ctx := context.Background()
	groups, err := w.GroupsV2.ListAll(ctx, iam.ListGroupsRequest{Filter: `displayName eq "data-eng"`})
	if err != nil || len(groups) != 1 || len(groups[0].Members) != 3 || groups[0].Meta == nil || groups[0].Meta.ResourceType != "Group" {
		t.Fatalf("groups = %+v, %v", groups, err)
	}
	sps, err := w.ServicePrincipalsV2.ListAll(ctx, iam.ListServicePrincipalsRequest{Filter: `applicationId eq "6e5c6f0a-7a0e-4d52-9c1e-2f3b8a9d0c11"`})
	if err != nil || len(sps) != 1 || sps[0].DisplayName != "etl-sp" {
		t.Fatalf("sps = %+v, %v", sps, err)
	}
	if _, err := w.ServicePrincipalsV2.Get(ctx, iam.GetServicePrincipalRequest{Id: sps[0].Id}); err != nil {
		t.Fatalf("get sp: %v", err)
	}
	_, err = w.GroupsV2.Get(ctx, iam.GetGroupRequest{Id: "404"})
	var ae *apierr.APIError
	if !errors.Is(err, apierr.ErrNotFound) || !errors.As(err, &ae) || ae.ErrorCode != "SCIM_404" {
		t.Fatalf("missing group: %v", err)
	}
	_, err = w.UsersV2.ListAll(ctx, iam.ListUsersRequest{Filter: `userName gt "a"`})
	if !errors.As(err, &ae) || ae.ErrorCode != "SCIM_400" || !strings.HasPrefix(ae.Message, "invalidFilter ") {
		t.Fatalf("bad filter: %v", err)
	}
}

// A DR-flavoured workspace lacks DRMissingUser.
func TestSCIMRegionMissingUser(t *testing.T) {
	_, w := emutest.Start(t, emulator.Options{Catalog: emulator.RegionCatalog("us-east-1")})
	users, err := w.UsersV2.ListAll(context.Background(), iam.ListUsersRequest{Filter: `userName eq "` + emulator.DRMissingUser + `"`})
	if err != nil || len(users) != 0 {
		t.Fatalf("users = %+v, %v", users, err)
	}
}

// Every error under /preview/scim has the RFC 7644 shape, even for a path
// the emulator does not serve.
func TestSCIMErrorShape(t *testing.T) {
	srv, _ := emutest.Start(t, emulator.Options{})
	req, _ := http.NewRequest(http.MethodGet, srv.URL()+"/api/2.0/preview/scim/v2/Users/nope", nil)
	req.Header.Set("Authorization", "Bearer "+srv.Token())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	schemas, _ := body["schemas"].([]any)
	if resp.StatusCode != 404 || body["status"] != "404" || len(schemas) != 1 ||
		schemas[0] != "urn:ietf:params:scim:api:messages:2.0:Error" || body["detail"] == nil || body["error_code"] != nil {
		t.Fatalf("%d %v", resp.StatusCode, body)
	}
}
