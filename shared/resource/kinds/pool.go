package kinds

import (
	"context"
	"fmt"
	"slices"
	"strconv"

	"github.com/databricks/databricks-sdk-go/service/compute"

	"github.com/drsync/drsync/shared/auditlog"
	"github.com/drsync/drsync/shared/resource"
)

// poolKind adapts instance pools (API 2.0, reference §2.4). The listing carries
// every pool's settings (and stats). Its identity in the target is the
// custom_tags marker.
type poolKind struct{}

// A DR pool keeps no idle instances (Warm).
var _ resource.Warmer = (*poolKind)(nil)

func newPool() resource.Kind { return &poolKind{} }

// poolSchema: read-only fields dropped; the defaults the service fills into
// aws_attributes stripped; the fields instance-pools/edit does not take are
// ForceNew (a change there is a delete and a create, so a new id to remap).
var poolSchema = &resource.Schema{
	Drop: []string{
		"instance_pool_id", "default_tags", "state", "stats", "status",
		// A concrete zone does not exist in the DR region (as for clusters).
		"aws_attributes.zone_id",
	},
	Defaults: map[string]any{
		"min_idle_instances":                    0,
		"enable_elastic_disk":                   false,
		"aws_attributes.availability":           "SPOT",
		"aws_attributes.spot_bid_price_percent": 100,
	},
	Unordered: map[string]string{"preloaded_docker_images": "url"},
	Marker:    "custom_tags." + resource.MarkerTag,
	ForceNew: []string{
		"aws_attributes", "azure_attributes", "gcp_attributes", "disk_spec",
		"enable_elastic_disk", "preloaded_spark_versions", "preloaded_docker_images",
		"node_type_id", "node_type_flexibility",
	},
}

// Name implements resource.Kind.
func (*poolKind) Name() string { return Pool }

// Info implements resource.Kind.
func (*poolKind) Info() resource.Info { return resource.Info{Resource: "pools"} }

// auditEvents: a created pool's id is only in the result.
func (*poolKind) auditEvents() auditlog.Events {
	return auditlog.Events{
		"instancepools/create":                auditlog.ByResult(Pool, "instance_pool_id", "instancePoolId"),
		"instancepools/edit":                  auditlog.ByParam(Pool, "instance_pool_id", "instancePoolId"),
		"instancepools/delete":                auditlog.ByParam(Pool, "instance_pool_id", "instancePoolId"),
		"instancepools/changeinstancepoolacl": auditlog.Ignore,
	}
}

// Schema implements resource.Kind.
func (*poolKind) Schema() *resource.Schema { return poolSchema }

// List implements resource.Kind with one instance-pools/list call (no paging).
func (*poolKind) List(ctx context.Context, ws resource.Workspace) ([]resource.Object, error) {
	w, err := apiClient(ws)
	if err != nil {
		return nil, err
	}
	pools, err := w.InstancePools.ListAll(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]resource.Object, 0, len(pools))
	for _, p := range pools {
		doc, err := poolDoc(p)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p.InstancePoolId, err)
		}
		out = append(out, resource.Object{
			Kind: Pool, Key: p.InstancePoolId, ID: p.InstancePoolId, Name: p.InstancePoolName, Doc: doc,
		})
	}
	return out, nil
}

// poolDoc is the raw document of p (settings and stats, as listed).
func poolDoc(p compute.InstancePoolAndStats) (resource.Doc, error) {
	return resource.ToDoc(p)
}

// Warm implements resource.Warmer: with p.PoolMinIdleZero the DR pool keeps no
// idle instances (min_idle_instances 0, which the schema stores as absent), and
// the source's own value is recorded in attrs["min_idle_instances"] so failover
// can restore it.
func (*poolKind) Warm(doc resource.Doc, p resource.WarmPolicy) (resource.Doc, map[string]string) {
	if !p.PoolMinIdleZero {
		return doc, nil
	}
	out := resource.Clone(doc)
	src := "0"
	if v, ok := out["min_idle_instances"]; ok {
		src = fmt.Sprint(v)
		delete(out, "min_idle_instances")
	}
	return out, map[string]string{"min_idle_instances": src}
}

// Get implements resource.Getter with instance-pools/get.
func (*poolKind) Get(ctx context.Context, ws resource.Workspace, id string) (resource.Object, bool, error) {
	w, err := apiClient(ws)
	if err != nil {
		return resource.Object{}, false, err
	}
	p, err := w.InstancePools.Get(ctx, compute.GetInstancePoolRequest{InstancePoolId: id})
	if ok, err := found(err); !ok {
		return resource.Object{}, false, err
	}
	doc, err := resource.ToDoc(p)
	if err != nil {
		return resource.Object{}, false, err
	}
	return resource.Object{Kind: Pool, Key: id, ID: id, Name: p.InstancePoolName, Doc: doc}, true, nil
}

// Create implements resource.Kind with instance-pools/create.
func (*poolKind) Create(ctx context.Context, ws resource.Workspace, want resource.Object) (resource.Applied, error) {
	w, err := apiClient(ws)
	if err != nil {
		return resource.Applied{}, err
	}
	var req compute.CreateInstancePool
	if err := resource.FromDoc(want.Doc, &req); err != nil {
		return resource.Applied{}, err
	}
	resp, err := w.InstancePools.Create(ctx, req)
	if err != nil {
		return resource.Applied{}, err
	}
	return resource.Applied{ID: resp.InstancePoolId}, nil
}

// Update implements resource.Kind with instance-pools/edit, which takes only
// the editable fields (the ForceNew ones never reach it: decoding into
// EditInstancePool leaves them out) and replaces them all. min_idle_instances
// is always sent, so lowering it to 0 (absent in the document) takes effect.
func (*poolKind) Update(ctx context.Context, ws resource.Workspace, id string, want resource.Object) (resource.Applied, error) {
	w, err := apiClient(ws)
	if err != nil {
		return resource.Applied{}, err
	}
	var req compute.EditInstancePool
	if err := resource.FromDoc(want.Doc, &req); err != nil {
		return resource.Applied{}, err
	}
	req.InstancePoolId = id
	if !slices.Contains(req.ForceSendFields, "MinIdleInstances") {
		req.ForceSendFields = append(req.ForceSendFields, "MinIdleInstances")
	}
	if err := w.InstancePools.Edit(ctx, req); err != nil {
		return resource.Applied{}, err
	}
	return resource.Applied{ID: id}, nil
}

// Delete implements resource.Kind with instance-pools/delete (permanent; idle
// instances terminate asynchronously). A missing pool is not an error.
func (*poolKind) Delete(ctx context.Context, ws resource.Workspace, id string) error {
	w, err := apiClient(ws)
	if err != nil {
		return err
	}
	err = apiDeleteGone(
		func() error { return w.InstancePools.Delete(ctx, compute.DeleteInstancePool{InstancePoolId: id}) },
		func() error { _, err := w.InstancePools.GetByInstancePoolId(ctx, id); return err })
	if err != nil {
		return err
	}
	return nil
}

// A DR pool keeps no idle instances until failover.
var _ resource.Activator = (*poolKind)(nil)

// Activate implements resource.Activator: the pool gets back the minimum of
// idle instances the source had (facts["min_idle_instances"], from Warm).
func (*poolKind) Activate(ctx context.Context, ws resource.Workspace, id string, facts map[string]string, _ resource.ActivatePolicy) (string, error) {
	want, ok, err := poolMinIdle(facts)
	if err != nil || !ok {
		return "", err
	}
	w, err := apiClient(ws)
	if err != nil {
		return "", err
	}
	p, err := w.InstancePools.GetByInstancePoolId(ctx, id)
	if err != nil || p.MinIdleInstances == want {
		return "", err
	}
	doc, err := resource.ToDoc(p)
	if err != nil {
		return "", err
	}
	var req compute.EditInstancePool
	if err := resource.FromDoc(doc, &req); err != nil {
		return "", err
	}
	req.InstancePoolId, req.MinIdleInstances = id, want
	req.ForceSendFields = append(req.ForceSendFields, "MinIdleInstances")
	if err := w.InstancePools.Edit(ctx, req); err != nil {
		return "", err
	}
	return fmt.Sprintf("min_idle_instances %d restored", want), nil
}

// Check implements resource.Activator.
func (*poolKind) Check(ctx context.Context, ws resource.Workspace, id string, facts map[string]string, _ resource.ActivatePolicy) ([]string, error) {
	want, ok, err := poolMinIdle(facts)
	if err != nil || !ok {
		return nil, err
	}
	w, err := apiClient(ws)
	if err != nil {
		return nil, err
	}
	p, err := w.InstancePools.GetByInstancePoolId(ctx, id)
	if err != nil {
		return nil, err
	}
	if p.MinIdleInstances != want {
		return []string{fmt.Sprintf("min_idle_instances is %d, want %d", p.MinIdleInstances, want)}, nil
	}
	return nil, nil
}

// poolMinIdle reads the recorded minimum of idle instances.
func poolMinIdle(facts map[string]string) (int, bool, error) {
	v, ok := facts["min_idle_instances"]
	if !ok {
		return 0, false, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, false, fmt.Errorf("recorded min_idle_instances %q is not a number", v)
	}
	return n, true, nil
}
