package emulator_test

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/databricks/databricks-sdk-go"
	"github.com/databricks/databricks-sdk-go/service/compute"

	"github.com/drsync/drsync/shared/emulator"
	"github.com/drsync/drsync/shared/emulator/emutest"
)

var policyIDFormat = regexp.MustCompile(`^[0-9A-F]{16}$`)

// policyBuiltins maps the default policies of a new workspace to their family.
var policyBuiltins = map[string]string{
	"Personal Compute": "personal-vm", "Job Compute": "job-cluster", "Shared Compute": "shared-compute",
	"Power User Compute": "power-user", "Legacy Shared Compute": "shared-data-science",
}

func policiesCreate(t *testing.T, w *databricks.WorkspaceClient, req compute.CreatePolicy) string {
	t.Helper()
	resp, err := w.ClusterPolicies.Create(context.Background(), req)
	if err != nil {
		t.Fatalf("create policy: %v", err)
	}
	return resp.PolicyId
}

func policiesGet(t *testing.T, w *databricks.WorkspaceClient, id string) *compute.Policy {
	t.Helper()
	p, err := w.ClusterPolicies.GetByPolicyId(context.Background(), id)
	if err != nil {
		t.Fatalf("get policy %s: %v", id, err)
	}
	return p
}

// policiesBuiltinIDs lists the default policies of a workspace by name.
func policiesBuiltinIDs(t *testing.T, w *databricks.WorkspaceClient) map[string]string {
	t.Helper()
	all, err := w.ClusterPolicies.ListAll(context.Background(), compute.ListClusterPoliciesRequest{})
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{}
	for _, p := range all {
		if p.IsDefault {
			if policyBuiltins[p.Name] != p.PolicyFamilyId || p.CreatorUserName != "" || !json.Valid([]byte(p.Definition)) {
				t.Errorf("default policy %+v", p)
			}
			ids[p.Name] = p.PolicyId
		}
	}
	return ids
}

// Every workspace has the five default policies (is_default, family, no
// creator), under ids that differ between workspaces.
func TestPolicyBuiltinsPresentWithWorkspaceIDs(t *testing.T) {
	srv, w1 := emutest.Start(t, emulator.Options{Seed: 1})
	_, w2 := emutest.Start(t, emulator.Options{Seed: 2})
	one, two := policiesBuiltinIDs(t, w1), policiesBuiltinIDs(t, w2)
	if len(one) != len(policyBuiltins) || len(two) != len(policyBuiltins) || srv.PolicyCount() != len(policyBuiltins) {
		t.Fatalf("default policies: %v and %v", one, two)
	}
	for name, id := range one {
		if !policyIDFormat.MatchString(id) || two[name] == id {
			t.Errorf("%s: ids %s and %s, want 16 hex chars differing per workspace", name, id, two[name])
		}
	}
}

// Default policies cannot be deleted (400); they stay listed.
func TestPolicyBuiltinsUndeletable(t *testing.T) {
	srv, w := emutest.Start(t, emulator.Options{})
	for name, id := range policiesBuiltinIDs(t, w) {
		if err := w.ClusterPolicies.DeleteByPolicyId(context.Background(), id); !errors.Is(err, databricks.ErrBadRequest) {
			t.Errorf("delete %s: err = %v, want a 400", name, err)
		}
	}
	if srv.PolicyCount() != len(policyBuiltins) {
		t.Fatalf("PolicyCount = %d after refused deletes", srv.PolicyCount())
	}
}

// A default policy keeps its name and family; other fields can be edited.
func TestPolicyBuiltinEditKeepsFamily(t *testing.T) {
	_, w := emutest.Start(t, emulator.Options{})
	ctx := context.Background()
	id := policiesBuiltinIDs(t, w)["Personal Compute"]
	err := w.ClusterPolicies.Edit(ctx, compute.EditPolicy{PolicyId: id, Name: "Personal Compute", PolicyFamilyId: "power-user"})
	if !errors.Is(err, databricks.ErrInvalidParameterValue) {
		t.Fatalf("family change: err = %v, want ErrInvalidParameterValue", err)
	}
	overrides := `{"autotermination_minutes":{"type":"fixed","value":30}}`
	err = w.ClusterPolicies.Edit(ctx, compute.EditPolicy{PolicyId: id, Name: "Personal Compute", PolicyFamilyId: "personal-vm",
		PolicyFamilyDefinitionOverrides: overrides, MaxClustersPerUser: 1})
	if err != nil {
		t.Fatalf("override edit: %v", err)
	}
	p := policiesGet(t, w, id)
	if !p.IsDefault || p.MaxClustersPerUser != 1 || p.PolicyFamilyDefinitionOverrides != overrides ||
		!strings.Contains(p.Definition, `"autotermination_minutes":{"type":"fixed","value":30}`) {
		t.Fatalf("after override edit: %+v", p)
	}
}

// definition is a JSON string kept exactly as sent; invalid JSON is a 400.
func TestPolicyDefinitionRoundTrip(t *testing.T) {
	_, w := emutest.Start(t, emulator.Options{UserName: "carol@example.com"})
	def := `{ "spark_version": {"type": "fixed", "value": "15.4.x-scala2.12"},
  "num_workers": {"type": "range", "maxValue": 12345678901234567} }`
	p := policiesGet(t, w, policiesCreate(t, w, compute.CreatePolicy{Name: "fixed", Definition: def}))
	if p.Definition != def || p.IsDefault || p.CreatorUserName != "carol@example.com" || p.CreatedAtTimestamp == 0 || !policyIDFormat.MatchString(p.PolicyId) {
		t.Fatalf("read back %+v", p)
	}
	for _, bad := range []string{`{"spark_version":`, `[1,2]`, `"text"`} {
		if _, err := w.ClusterPolicies.Create(context.Background(), compute.CreatePolicy{Name: "bad", Definition: bad}); !errors.Is(err, databricks.ErrInvalidParameterValue) {
			t.Errorf("definition %s: err = %v, want ErrInvalidParameterValue", bad, err)
		}
	}
}

// Names are unique: a duplicate (including a default policy's name) is 400
// INVALID_PARAMETER_VALUE "Policy with name ... already exists".
func TestPolicyDuplicateName(t *testing.T) {
	_, w := emutest.Start(t, emulator.Options{})
	policiesCreate(t, w, compute.CreatePolicy{Name: "team", Definition: "{}"})
	for _, name := range []string{"team", "Job Compute"} {
		_, err := w.ClusterPolicies.Create(context.Background(), compute.CreatePolicy{Name: name, Definition: "{}"})
		if !errors.Is(err, databricks.ErrInvalidParameterValue) || !strings.Contains(err.Error(), "already exists") {
			t.Errorf("%s: err = %v, want INVALID_PARAMETER_VALUE already exists", name, err)
		}
	}
}

// A missing policy is RESOURCE_DOES_NOT_EXIST on get, edit and delete.
func TestPolicyMissing(t *testing.T) {
	_, w := emutest.Start(t, emulator.Options{})
	ctx := context.Background()
	_, getErr := w.ClusterPolicies.GetByPolicyId(ctx, "0000000000000000")
	editErr := w.ClusterPolicies.Edit(ctx, compute.EditPolicy{PolicyId: "0000000000000000", Name: "x"})
	deleteErr := w.ClusterPolicies.DeleteByPolicyId(ctx, "0000000000000000")
	for name, err := range map[string]error{"get": getErr, "edit": editErr, "delete": deleteErr} {
		if !errors.Is(err, databricks.ErrResourceDoesNotExist) {
			t.Errorf("%s: err = %v, want ErrResourceDoesNotExist", name, err)
		}
	}
}

// edit is a full replace: fields left out are cleared, read-only ones are kept;
// delete removes a user policy.
func TestPolicyEditReplacesAndDelete(t *testing.T) {
	_, w := emutest.Start(t, emulator.Options{})
	ctx := context.Background()
	id := policiesCreate(t, w, compute.CreatePolicy{Name: "p", Definition: "{}", Description: "d", MaxClustersPerUser: 3})
	before := policiesGet(t, w, id)
	if err := w.ClusterPolicies.Edit(ctx, compute.EditPolicy{PolicyId: id, Name: "p2", Definition: `{"a":{"type":"fixed","value":1}}`}); err != nil {
		t.Fatal(err)
	}
	after := policiesGet(t, w, id)
	if after.Name != "p2" || after.Description != "" || after.MaxClustersPerUser != 0 ||
		after.CreatedAtTimestamp != before.CreatedAtTimestamp || after.CreatorUserName != before.CreatorUserName {
		t.Fatalf("after edit: %+v", after)
	}
	if err := w.ClusterPolicies.DeleteByPolicyId(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, err := w.ClusterPolicies.GetByPolicyId(ctx, id); !errors.Is(err, databricks.ErrResourceDoesNotExist) {
		t.Fatalf("get after delete: %v", err)
	}
}

// A family policy reads back with the family definition plus its overrides;
// family and definition together are refused.
func TestPolicyFamilyDefinition(t *testing.T) {
	_, w := emutest.Start(t, emulator.Options{})
	ctx := context.Background()
	id := policiesCreate(t, w, compute.CreatePolicy{Name: "jobs", PolicyFamilyId: "job-cluster",
		PolicyFamilyDefinitionOverrides: `{"num_workers":{"type":"fixed","value":2}}`})
	var def map[string]any
	if err := json.Unmarshal([]byte(policiesGet(t, w, id).Definition), &def); err != nil || def["cluster_type"] == nil ||
		def["num_workers"].(map[string]any)["value"] != 2.0 {
		t.Fatalf("family definition %v, %v", def, err)
	}
	_, err := w.ClusterPolicies.Create(ctx, compute.CreatePolicy{Name: "both", PolicyFamilyId: "job-cluster", Definition: "{}"})
	if !errors.Is(err, databricks.ErrInvalidParameterValue) {
		t.Fatalf("family with definition: err = %v", err)
	}
}

// list honours sort_column POLICY_NAME and sort_order.
func TestPolicyListSort(t *testing.T) {
	_, w := emutest.Start(t, emulator.Options{})
	ctx := context.Background()
	for _, name := range []string{"b", "a", "c"} {
		policiesCreate(t, w, compute.CreatePolicy{Name: name, Definition: "{}"})
	}
	for _, order := range []compute.ListSortOrder{compute.ListSortOrderAsc, compute.ListSortOrderDesc} {
		all, err := w.ClusterPolicies.ListAll(ctx, compute.ListClusterPoliciesRequest{SortColumn: compute.ListSortColumnPolicyName, SortOrder: order})
		if err != nil {
			t.Fatal(err)
		}
		names := make([]string, 0, len(all))
		for _, p := range all {
			names = append(names, p.Name)
		}
		want := slices.Sorted(slices.Values(names))
		if order == compute.ListSortOrderDesc {
			slices.Reverse(want)
		}
		if !slices.Equal(names, want) || len(names) != 3+len(policyBuiltins) {
			t.Fatalf("%s: %v", order, names)
		}
	}
}
