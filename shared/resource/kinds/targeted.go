package kinds

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/databricks/databricks-sdk-go"
	"github.com/databricks/databricks-sdk-go/service/compute"
	"github.com/databricks/databricks-sdk-go/service/jobs"

	"github.com/drsync/drsync/shared/resource"
)

// Targeted reads: one object by id (API kinds) or one subtree (workspace
// kinds), for syncs driven by audit-log events. Each returns exactly what List
// would have returned for those objects.

var (
	_ resource.Getter        = (*policyKind)(nil)
	_ resource.Getter        = (*poolKind)(nil)
	_ resource.Getter        = (*clusterKind)(nil)
	_ resource.Getter        = (*jobKind)(nil)
	_ resource.SubtreeLister = directory{}
	_ resource.SubtreeLister = notebook{}
	_ resource.SubtreeLister = file{}
)

// found turns a not-found error into found=false; any other error stays.
func found(err error) (bool, error) {
	if errors.Is(err, databricks.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// wrapGet wraps a failed get; a missing object (err nil) stays nil.
func wrapGet(kind, id string, err error) error {
	if err == nil {
		return nil
	}
	return resource.Errorf(kind, id, "get", err)
}

// Get implements resource.Getter with policies/clusters/get.
func (*policyKind) Get(ctx context.Context, ws resource.Workspace, id string) (resource.Object, bool, error) {
	w, err := apiClient(ws)
	if err != nil {
		return resource.Object{}, false, err
	}
	p, err := w.ClusterPolicies.Get(ctx, compute.GetClusterPolicyRequest{PolicyId: id})
	if ok, err := found(err); !ok {
		return resource.Object{}, false, wrapGet(Policy, id, err)
	}
	doc, err := policyDoc(*p)
	if err != nil {
		return resource.Object{}, false, resource.Errorf(Policy, id, "read", err)
	}
	return resource.Object{Kind: Policy, Key: id, ID: id, Name: p.Name, Doc: doc, Builtin: p.IsDefault}, true, nil
}

// Get implements resource.Getter with instance-pools/get.
func (*poolKind) Get(ctx context.Context, ws resource.Workspace, id string) (resource.Object, bool, error) {
	w, err := apiClient(ws)
	if err != nil {
		return resource.Object{}, false, err
	}
	p, err := w.InstancePools.Get(ctx, compute.GetInstancePoolRequest{InstancePoolId: id})
	if ok, err := found(err); !ok {
		return resource.Object{}, false, wrapGet(Pool, id, err)
	}
	doc, err := resource.ToDoc(p)
	if err != nil {
		return resource.Object{}, false, resource.Errorf(Pool, id, "read", err)
	}
	return resource.Object{Kind: Pool, Key: id, ID: id, Name: p.InstancePoolName, Doc: doc}, true, nil
}

// Get implements resource.Getter with clusters/get.
func (*clusterKind) Get(ctx context.Context, ws resource.Workspace, id string) (resource.Object, bool, error) {
	w, err := apiClient(ws)
	if err != nil {
		return resource.Object{}, false, err
	}
	c, err := w.Clusters.Get(ctx, compute.GetClusterRequest{ClusterId: id})
	if ok, err := found(err); !ok {
		return resource.Object{}, false, wrapGet(Cluster, id, err)
	}
	obj := resource.Object{Kind: Cluster, Key: id, ID: id, Name: c.ClusterName}
	if obj.Skip = clusterSkipReason(c.ClusterSource); obj.Skip == "" {
		if obj.Doc, err = clusterDoc(*c); err != nil {
			return resource.Object{}, false, resource.Errorf(Cluster, id, "read", err)
		}
	}
	return obj, true, nil
}

// Get implements resource.Getter with jobs/get (the SDK follows its task paging).
func (*jobKind) Get(ctx context.Context, ws resource.Workspace, id string) (resource.Object, bool, error) {
	w, err := apiClient(ws)
	if err != nil {
		return resource.Object{}, false, err
	}
	jobID, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return resource.Object{}, false, resource.Errorf(Job, id, "get", err)
	}
	j, err := w.Jobs.Get(ctx, jobs.GetJobRequest{JobId: jobID})
	if ok, err := found(err); !ok {
		return resource.Object{}, false, wrapGet(Job, id, err)
	}
	doc, err := jobDoc(j.Settings)
	if err != nil {
		return resource.Object{}, false, resource.Errorf(Job, id, "read", err)
	}
	return resource.Object{Kind: Job, Key: id, ID: id, Name: docStr(doc, "name"), Doc: doc}, true, nil
}

// ListUnder implements resource.SubtreeLister.
func (directory) ListUnder(ctx context.Context, ws resource.Workspace, root string) ([]resource.Object, error) {
	return wsListUnder(ctx, ws, Directory, root)
}

// ListUnder implements resource.SubtreeLister.
func (notebook) ListUnder(ctx context.Context, ws resource.Workspace, root string) ([]resource.Object, error) {
	return wsListUnder(ctx, ws, Notebook, root)
}

// ListUnder implements resource.SubtreeLister.
func (file) ListUnder(ctx context.Context, ws resource.Workspace, root string) ([]resource.Object, error) {
	return wsListUnder(ctx, ws, File, root)
}

// wsListUnder reads root with get-status and, when it is a folder, walks it:
// one call for a notebook or file, one per folder for a subtree. The three
// workspace kinds share one read of each subtree (wsWalks).
func wsListUnder(ctx context.Context, ws resource.Workspace, kind, root string) ([]resource.Object, error) {
	w, err := apiClient(ws)
	if err != nil {
		return nil, err
	}
	infos, err := wsWalks.get(ctx, w, root, kind)
	if err != nil {
		return nil, fmt.Errorf("list %s objects under %s in %s workspace: %w", kind, root, ws.Side, err)
	}
	var out []resource.Object
	for _, in := range infos {
		if k, skip := wsKindOf(in); k == kind {
			out = append(out, wsObject(kind, in, skip))
		}
	}
	return out, nil
}
