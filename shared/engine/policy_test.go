package engine_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/databricks/databricks-sdk-go"
	"github.com/databricks/databricks-sdk-go/service/compute"
)

// policyNamed finds a policy by name.
func policyNamed(t *testing.T, w *databricks.WorkspaceClient, name string) compute.Policy {
	t.Helper()
	all, err := w.ClusterPolicies.ListAll(context.Background(), compute.ListClusterPoliciesRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range all {
		if p.Name == name {
			return p
		}
	}
	t.Fatalf("no policy %q", name)
	return compute.Policy{}
}

// A policy that pins clusters to a pool names the pool's id in its JSON
// definition: the DR policy names the DR pool (pools are applied first), and
// the next run finds nothing to do.
func TestPolicyPoolReferenceRemapped(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	pool, err := f.srcW.InstancePools.Create(ctx, compute.CreateInstancePool{InstancePoolName: "pinned-pool", NodeTypeId: "i3.xlarge"})
	if err != nil {
		t.Fatal(err)
	}
	def := `{"instance_pool_id": {"type": "fixed", "value": "` + pool.InstancePoolId + `"}, "spark_version": {"type": "unlimited", "defaultValue": "auto:latest-lts"}}`
	if _, err := f.srcW.ClusterPolicies.Create(ctx, compute.CreatePolicy{Name: "on-the-pool", Definition: def}); err != nil {
		t.Fatal(err)
	}
	f.sync(t)
	var drPool string
	pools, err := f.tgtW.InstancePools.ListAll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pools {
		if p.InstancePoolName == "pinned-pool" {
			drPool = p.InstancePoolId
		}
	}
	var got map[string]map[string]any
	if err := json.Unmarshal([]byte(policyNamed(t, f.tgtW, "on-the-pool").Definition), &got); err != nil {
		t.Fatal(err)
	}
	if drPool == "" || got["instance_pool_id"]["value"] != drPool {
		t.Fatalf("DR policy pins pool %v, want the DR pool %q (source %q)", got["instance_pool_id"]["value"], drPool, pool.InstancePoolId)
	}
	if p := f.sync(t); p.Mutations() != 0 {
		t.Fatalf("second run changes %d objects", p.Mutations())
	}
}

// A default (built-in) policy is never created or deleted, but what an admin
// changed on it in the primary (its limit of clusters per user, its family
// overrides) is carried to DR's default policy of the same name.
func TestBuiltinPolicyOverridesSynced(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.sync(t)
	pc := policyNamed(t, f.srcW, "Personal Compute")
	err := f.srcW.ClusterPolicies.Edit(ctx, compute.EditPolicy{PolicyId: pc.PolicyId, Name: pc.Name,
		PolicyFamilyId: pc.PolicyFamilyId, MaxClustersPerUser: 2,
		PolicyFamilyDefinitionOverrides: `{"autotermination_minutes": {"type": "fixed", "value": 60}}`})
	if err != nil {
		t.Fatal(err)
	}
	p := f.sync(t)
	if p.Mutations() != 1 {
		t.Fatalf("%d mutations, want the one update of the default policy", p.Mutations())
	}
	dr := policyNamed(t, f.tgtW, "Personal Compute")
	if dr.MaxClustersPerUser != 2 || dr.PolicyFamilyDefinitionOverrides == "" || dr.PolicyId == pc.PolicyId {
		t.Fatalf("DR default policy: %+v", dr)
	}
	if p := f.sync(t); p.Mutations() != 0 {
		t.Fatalf("third run changes %d objects", p.Mutations())
	}
}
