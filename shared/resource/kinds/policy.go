package kinds

import (
	"context"
	"fmt"

	"github.com/databricks/databricks-sdk-go/service/compute"

	"github.com/drsync/drsync/shared/auditlog"
	"github.com/drsync/drsync/shared/resource"
)

// policyKind adapts cluster policies (API 2.0, reference §2.5). The listing
// carries every policy's full settings. A policy has no tags, so its identity
// in the target is its name (unique per workspace).
type policyKind struct{}

func newPolicy() resource.Kind { return &policyKind{} }

// policySchema: read-only fields dropped, the JSON-in-a-string fields compared
// parsed. A policy sent with neither definition nor family reads back with
// definition "{}", which parses to an empty object and is pruned like absent.
var policySchema = &resource.Schema{
	Drop:        []string{"policy_id", "created_at_timestamp", "creator_user_name", "is_default"},
	Defaults:    map[string]any{"max_clusters_per_user": 0},
	JSONStrings: []string{"definition", "policy_family_definition_overrides"},
	Refs:        policyRefs,
	Unordered:   map[string]string{"libraries": ""},
	MatchByName: true,
}

// policyRefs are the pools a policy pins clusters to: a fixed or default
// pool id in its (parsed) definition or in a family policy's overrides is
// remapped to the pool's DR copy like any reference, so pools are applied
// first. (A pool in an allowlist's values is left as it is.)
var policyRefs = map[string]string{
	"definition.instance_pool_id.value":                                       Pool,
	"definition.instance_pool_id.defaultValue":                                Pool,
	"definition.driver_instance_pool_id.value":                                Pool,
	"definition.driver_instance_pool_id.defaultValue":                         Pool,
	"policy_family_definition_overrides.instance_pool_id.value":               Pool,
	"policy_family_definition_overrides.instance_pool_id.defaultValue":        Pool,
	"policy_family_definition_overrides.driver_instance_pool_id.value":        Pool,
	"policy_family_definition_overrides.driver_instance_pool_id.defaultValue": Pool,
}

// Name implements resource.Kind.
func (*policyKind) Name() string { return Policy }

// Info implements resource.Kind.
func (*policyKind) Info() resource.Info {
	return resource.Info{Resource: "policies", DependsOn: []string{Pool}}
}

// auditEvents: a created policy's id is only in the result.
func (*policyKind) auditEvents() auditlog.Events {
	return auditlog.Events{
		"clusterpolicies/create":                 auditlog.ByResult(Policy, "policy_id", "policyId"),
		"clusterpolicies/edit":                   auditlog.ByParam(Policy, "policy_id", "policyId"),
		"clusterpolicies/delete":                 auditlog.ByParam(Policy, "policy_id", "policyId"),
		"clusterpolicies/changeclusterpolicyacl": auditlog.Ignore,
	}
}

// Schema implements resource.Kind.
func (*policyKind) Schema() *resource.Schema { return policySchema }

// List implements resource.Kind with one policies/clusters/list call (no
// paging). The Databricks-managed default policies (is_default: Personal
// Compute, Job Compute, ...) are Builtin: every workspace has them under its
// own ids, so they are matched by name, never created or deleted; what an
// admin may change on them (overrides, max_clusters_per_user, libraries)
// is synced like any other update.
func (*policyKind) List(ctx context.Context, ws resource.Workspace) ([]resource.Object, error) {
	w, err := apiClient(ws)
	if err != nil {
		return nil, err
	}
	policies, err := w.ClusterPolicies.ListAll(ctx, compute.ListClusterPoliciesRequest{})
	if err != nil {
		return nil, err
	}
	out := make([]resource.Object, 0, len(policies))
	for _, p := range policies {
		doc, err := policyDoc(p)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p.PolicyId, err)
		}
		out = append(out, resource.Object{
			Kind: Policy, Key: p.PolicyId, ID: p.PolicyId, Name: p.Name,
			Doc: doc, Builtin: p.IsDefault,
		})
	}
	return out, nil
}

// policyDoc is the raw document of p. A policy built on a policy family reads
// back with the family's definition merged with its overrides: that definition
// is derived (create refuses definition together with a family), so it is
// removed and the family id and overrides stand for it.
func policyDoc(p compute.Policy) (resource.Doc, error) {
	doc, err := resource.ToDoc(p)
	if err != nil {
		return nil, err
	}
	if p.PolicyFamilyId != "" {
		delete(doc, "definition")
	}
	return doc, nil
}

// Get implements resource.Getter with policies/clusters/get.
func (*policyKind) Get(ctx context.Context, ws resource.Workspace, id string) (resource.Object, bool, error) {
	w, err := apiClient(ws)
	if err != nil {
		return resource.Object{}, false, err
	}
	p, err := w.ClusterPolicies.Get(ctx, compute.GetClusterPolicyRequest{PolicyId: id})
	if ok, err := found(err); !ok {
		return resource.Object{}, false, err
	}
	doc, err := policyDoc(*p)
	if err != nil {
		return resource.Object{}, false, err
	}
	return resource.Object{Kind: Policy, Key: id, ID: id, Name: p.Name, Doc: doc, Builtin: p.IsDefault}, true, nil
}

// Create implements resource.Kind with policies/clusters/create. A duplicate
// name is refused by the service (the engine adopts by name first).
func (*policyKind) Create(ctx context.Context, ws resource.Workspace, want resource.Object) (resource.Applied, error) {
	w, err := apiClient(ws)
	if err != nil {
		return resource.Applied{}, err
	}
	var req compute.CreatePolicy
	if err := resource.FromDoc(want.Doc, &req); err != nil {
		return resource.Applied{}, err
	}
	resp, err := w.ClusterPolicies.Create(ctx, req)
	if err != nil {
		return resource.Applied{}, err
	}
	return resource.Applied{ID: resp.PolicyId}, nil
}

// Update implements resource.Kind with policies/clusters/edit (a full replace).
func (*policyKind) Update(ctx context.Context, ws resource.Workspace, id string, want resource.Object) (resource.Applied, error) {
	w, err := apiClient(ws)
	if err != nil {
		return resource.Applied{}, err
	}
	var req compute.EditPolicy
	if err := resource.FromDoc(want.Doc, &req); err != nil {
		return resource.Applied{}, err
	}
	req.PolicyId = id
	if err := w.ClusterPolicies.Edit(ctx, req); err != nil {
		return resource.Applied{}, err
	}
	return resource.Applied{ID: id}, nil
}

// Delete implements resource.Kind with policies/clusters/delete; a missing
// policy (RESOURCE_DOES_NOT_EXIST) is not an error. Clusters governed by the
// policy keep running but can no longer be edited.
func (*policyKind) Delete(ctx context.Context, ws resource.Workspace, id string) error {
	w, err := apiClient(ws)
	if err != nil {
		return err
	}
	err = apiDeleteGone(
		func() error { return w.ClusterPolicies.Delete(ctx, compute.DeletePolicy{PolicyId: id}) },
		func() error { _, err := w.ClusterPolicies.GetByPolicyId(ctx, id); return err })
	if err != nil {
		return err
	}
	return nil
}
