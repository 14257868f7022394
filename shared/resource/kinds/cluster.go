package kinds

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/databricks/databricks-sdk-go/service/compute"

	"github.com/drsync/drsync/shared/auditlog"
	"github.com/drsync/drsync/shared/resource"
)

// clusterKind adapts all-purpose clusters (API 2.1, reference §2.3). The
// listing carries each cluster's full ClusterDetails. Clusters the platform
// creates for jobs, pipelines, SQL or model serving are listed as Skip. In the
// target a cluster is created, then at once terminated and pinned (AfterCreate),
// so no DR compute runs until failover; its identity is the custom_tags marker.
type clusterKind struct{}

// A DR cluster is terminated and pinned right after its creation.
var _ resource.Finisher = (*clusterKind)(nil)

func newCluster() resource.Kind { return &clusterKind{} }

// clusterReadOnly are the ClusterDetails fields the service owns (reference
// §2.3), plus those real responses carry beyond the SDK's model.
var clusterReadOnly = []string{
	"cluster_id", "cluster_source", "creator_user_name", "state", "state_message",
	"start_time", "terminated_time", "last_restarted_time", "last_state_loss_time",
	"termination_reason", "default_tags", "driver", "executors", "spark_context_id",
	"jdbc_port", "cluster_memory_mb", "cluster_cores", "cluster_log_status", "spec",
	// not in the SDK model, so only present in a document built from raw JSON
	"effective_spark_version", "last_activity_time", "driver_healthy", "disk_spec",
	"instance_source", "driver_instance_source", "init_scripts_safe_mode",
	"pinned_by_user_name", "clone_from",
}

// clusterSchema: read-only fields and ClusterSpec defaults stripped (the
// defaults that depend on another field are removed by cleanClusterSpec in
// List). single_user_name is kept even when the service filled it in with the
// creator: it names who may use the cluster, and a DR copy created by drsync's
// identity without it would belong to that identity instead of the user.
var clusterSchema = &resource.Schema{
	Drop:     slices.Concat(clusterReadOnly, clusterSpecDrop),
	Defaults: clusterSpecDefaults,
	Refs:     clusterSpecRefs,
	Unordered: map[string]string{
		"ssh_public_keys": "",
	},
	Marker: "custom_tags." + resource.MarkerTag,
	// custom_tags holds at most 45 tags (reference §3.4).
	MarkerLimit: 45,
}

// clusterSkip says why clusters of a source other than UI and API are not copied.
var clusterSkip = map[compute.ClusterSource]string{
	compute.ClusterSourceJob:                 "job cluster: created by the Jobs service for one run; the job is synced instead",
	compute.ClusterSourcePipeline:            "pipeline cluster: created by Lakeflow Declarative Pipelines for an update",
	compute.ClusterSourcePipelineMaintenance: "pipeline maintenance cluster: created by Lakeflow Declarative Pipelines",
	compute.ClusterSourceSql:                 "SQL warehouse compute: managed by the SQL warehouse",
	compute.ClusterSourceModels:              "model serving compute: managed by the serving endpoint",
}

// Name implements resource.Kind.
func (*clusterKind) Name() string { return Cluster }

// Info implements resource.Kind: a cluster names its policy, its pools and
// init scripts in workspace files.
func (*clusterKind) Info() resource.Info {
	return resource.Info{Resource: "clusters", DependsOn: []string{Policy, Pool, File}}
}

// auditEvents: only the spec matters in DR (created there terminated and
// pinned), so state changes and pins are ignored; delete is terminate.
func (*clusterKind) auditEvents() auditlog.Events {
	return auditlog.Events{
		"clusters/create":           clusterCreateEvent,
		"clusters/edit":             auditlog.ByParam(Cluster, "cluster_id", "clusterId"),
		"clusters/permanentdelete":  auditlog.ByParam(Cluster, "cluster_id", "clusterId"),
		"clusters/delete":           auditlog.Ignore,
		"clusters/start":            auditlog.Ignore,
		"clusters/restart":          auditlog.Ignore,
		"clusters/resize":           auditlog.Ignore,
		"clusters/pin":              auditlog.Ignore,
		"clusters/unpin":            auditlog.Ignore,
		"clusters/changeclusteracl": auditlog.Ignore,
		// Asynchronous outcomes of the calls above.
		"clusters/createresult": auditlog.Ignore, "clusters/startresult": auditlog.Ignore,
		"clusters/deleteresult": auditlog.Ignore, "clusters/restartresult": auditlog.Ignore,
		"clusters/resizeresult": auditlog.Ignore,
	}
}

// clusterCreateEvent maps clusters/create, skipping clusters launched for job
// runs (created by System-User, or marked by cluster_source / cluster_creator).
func clusterCreateEvent(rec *auditlog.Record) ([]auditlog.Key, auditlog.Class) {
	_, launched := clusterSkip[compute.ClusterSource(strings.ToUpper(auditlog.Param(rec, "cluster_source")))]
	if strings.EqualFold(rec.UserEmail, "System-User") || launched ||
		strings.EqualFold(auditlog.Param(rec, "cluster_creator"), "JOB_LAUNCHER") {
		return nil, auditlog.Ignored
	}
	return auditlog.ByResult(Cluster, "cluster_id", "clusterId")(rec)
}

// Schema implements resource.Kind.
func (*clusterKind) Schema() *resource.Schema { return clusterSchema }

// List implements resource.Kind with clusters/list (2.1, paginated by the SDK)
// and no filter, so every cluster is seen; those not created from the UI or
// the API are returned with Skip and no Doc.
func (*clusterKind) List(ctx context.Context, ws resource.Workspace) ([]resource.Object, error) {
	w, err := apiClient(ws)
	if err != nil {
		return nil, err
	}
	clusters, err := w.Clusters.ListAll(ctx, compute.ListClustersRequest{})
	if err != nil {
		return nil, err
	}
	out := make([]resource.Object, 0, len(clusters))
	for _, c := range clusters {
		obj := resource.Object{Kind: Cluster, Key: c.ClusterId, ID: c.ClusterId, Name: c.ClusterName, Active: clusterActive(c.State)}
		if obj.Skip = clusterSkipReason(c.ClusterSource); obj.Skip == "" {
			if obj.Doc, err = clusterDoc(c); err != nil {
				return nil, fmt.Errorf("%s: %w", c.ClusterId, err)
			}
		}
		out = append(out, obj)
	}
	return out, nil
}

// clusterDoc is the raw document of c, without the values the service derives
// from other fields (cleanClusterSpec).
func clusterDoc(c compute.ClusterDetails) (resource.Doc, error) {
	doc, err := resource.ToDoc(c)
	if err != nil {
		return nil, err
	}
	// The service shows apply_policy_default_values only in spec (what
	// was sent), which is dropped as a whole: lift it out so it is copied.
	if c.Spec != nil && c.Spec.ApplyPolicyDefaultValues {
		doc["apply_policy_default_values"] = true
	}
	cleanClusterSpec(doc)
	return doc, nil
}

// clusterActive is resource.Object.Active for a cluster in state st: set
// while it runs or is on its way to (PENDING, RESIZING, RESTARTING), so a
// DR copy found so is terminated and pinned again; "" when it is
// terminated or terminating.
func clusterActive(st compute.State) string {
	switch st {
	case compute.StateRunning, compute.StatePending, compute.StateResizing, compute.StateRestarting:
		return "state " + string(st)
	}
	return ""
}

// clusterSkipReason is "" for the all-purpose sources (UI, API).
func clusterSkipReason(src compute.ClusterSource) string {
	switch src {
	case compute.ClusterSourceUi, compute.ClusterSourceApi:
		return ""
	}
	if reason, ok := clusterSkip[src]; ok {
		return reason
	}
	return "cluster_source " + string(src) + ": not an all-purpose (UI or API) cluster"
}

// Get implements resource.Getter with clusters/get.
func (*clusterKind) Get(ctx context.Context, ws resource.Workspace, id string) (resource.Object, bool, error) {
	w, err := apiClient(ws)
	if err != nil {
		return resource.Object{}, false, err
	}
	c, err := w.Clusters.Get(ctx, compute.GetClusterRequest{ClusterId: id})
	if ok, err := found(err); !ok {
		return resource.Object{}, false, err
	}
	obj := resource.Object{Kind: Cluster, Key: id, ID: id, Name: c.ClusterName, Active: clusterActive(c.State)}
	if obj.Skip = clusterSkipReason(c.ClusterSource); obj.Skip == "" {
		if obj.Doc, err = clusterDoc(*c); err != nil {
			return resource.Object{}, false, err
		}
	}
	return obj, true, nil
}

// Create implements resource.Kind with clusters/create, which returns at once
// with the cluster PENDING (no waiting: AfterCreate terminates it).
func (*clusterKind) Create(ctx context.Context, ws resource.Workspace, want resource.Object) (resource.Applied, error) {
	w, err := apiClient(ws)
	if err != nil {
		return resource.Applied{}, err
	}
	var req compute.CreateCluster
	if err := resource.FromDoc(want.Doc, &req); err != nil {
		return resource.Applied{}, err
	}
	req.ForceSendFields = forceNumWorkers(req.ForceSendFields, req.Autoscale != nil)
	wait, err := w.Clusters.Create(ctx, req)
	if err != nil {
		return resource.Applied{}, err
	}
	return resource.Applied{ID: wait.ClusterId}, nil
}

// forceNumWorkers makes a fixed-size cluster send num_workers even when it is 0
// (a single-node cluster): the SDK leaves zero values out of the request.
func forceNumWorkers(fields []string, autoscale bool) []string {
	if autoscale || slices.Contains(fields, "NumWorkers") {
		return fields
	}
	return append(fields, "NumWorkers")
}

// Update implements resource.Kind with clusters/edit (full spec). The service
// refuses an edit unless the cluster is RUNNING or TERMINATED; that error
// (errors.Is apierr.ErrInvalidState, e.g. while it is still terminating
// after its creation) is returned wrapped, so the engine retries later.
func (*clusterKind) Update(ctx context.Context, ws resource.Workspace, id string, want resource.Object) (resource.Applied, error) {
	w, err := apiClient(ws)
	if err != nil {
		return resource.Applied{}, err
	}
	var req compute.EditCluster
	if err := resource.FromDoc(want.Doc, &req); err != nil {
		return resource.Applied{}, err
	}
	req.ClusterId = id
	req.ForceSendFields = forceNumWorkers(req.ForceSendFields, req.Autoscale != nil)
	if _, err := w.Clusters.Edit(ctx, req); err != nil {
		return resource.Applied{}, err
	}
	return resource.Applied{ID: id}, nil
}

// Delete implements resource.Kind with clusters/permanent-delete: the DR copy
// of a deleted cluster is removed, not merely terminated. DR clusters are
// pinned, and the service refuses to delete a pinned cluster ("Please ask an
// admin to unpin the cluster first"), so the cluster is unpinned first; a
// failed unpin fails the delete. A missing cluster is not an error.
func (*clusterKind) Delete(ctx context.Context, ws resource.Workspace, id string) error {
	w, err := apiClient(ws)
	if err != nil {
		return err
	}
	exists := func() error { _, err := w.Clusters.GetByClusterId(ctx, id); return err }
	if err := apiDeleteGone(func() error { return w.Clusters.UnpinByClusterId(ctx, id) }, exists); err != nil {
		return fmt.Errorf("unpin before delete: %w", err)
	}
	return apiDeleteGone(func() error { return w.Clusters.PermanentDeleteByClusterId(ctx, id) }, exists)
}

// AfterCreate implements resource.Finisher: with p.TerminateClusters the new
// cluster is terminated at once, without waiting (it may still be PENDING,
// which the API allows), and with p.PinClusters it is pinned so the service
// keeps the terminated cluster beyond 30 days. Both are idempotent, so a retry
// after a partial failure is safe.
func (*clusterKind) AfterCreate(ctx context.Context, ws resource.Workspace, id string, p resource.WarmPolicy) error {
	w, err := apiClient(ws)
	if err != nil {
		return err
	}
	var errs []error
	if p.TerminateClusters {
		if _, err := w.Clusters.Delete(ctx, compute.DeleteCluster{ClusterId: id}); err != nil {
			errs = append(errs, fmt.Errorf("terminate: %w", err))
		}
	}
	if p.PinClusters {
		if err := w.Clusters.Pin(ctx, compute.PinCluster{ClusterId: id}); err != nil {
			errs = append(errs, fmt.Errorf("pin: %w", err))
		}
	}
	return errors.Join(errs...)
}

// A DR cluster is started at failover when its source was running.
var (
	_ resource.Freezer   = (*clusterKind)(nil)
	_ resource.Activator = (*clusterKind)(nil)
)

// Freeze implements resource.Freezer: a cluster is left as it is (it runs
// nothing on its own), but whether it was running is recorded, so the
// failover can start its DR copy (was["state"] = "RUNNING").
func (*clusterKind) Freeze(ctx context.Context, ws resource.Workspace, id string) (map[string]string, error) {
	w, err := apiClient(ws)
	if err != nil {
		return nil, err
	}
	c, err := w.Clusters.GetByClusterId(ctx, id)
	if err != nil || c.State != compute.StateRunning {
		return nil, err
	}
	return map[string]string{"state": string(compute.StateRunning)}, nil
}

// Activate implements resource.Activator: with p.Start, a terminated DR
// cluster whose source was running (facts["state"]) is started, without
// waiting; it stays pinned.
func (*clusterKind) Activate(ctx context.Context, ws resource.Workspace, id string, facts map[string]string, p resource.ActivatePolicy) (string, error) {
	if !p.Start || facts["state"] != string(compute.StateRunning) {
		return "", nil
	}
	w, err := apiClient(ws)
	if err != nil {
		return "", err
	}
	c, err := w.Clusters.GetByClusterId(ctx, id)
	if err != nil || c.State != compute.StateTerminated {
		return "", err
	}
	if _, err := w.Clusters.Start(ctx, compute.StartCluster{ClusterId: id}); err != nil {
		return "", err
	}
	return "started (it was running on the other side)", nil
}

// Check implements resource.Activator: a cluster that should have been
// started is not terminated.
func (*clusterKind) Check(ctx context.Context, ws resource.Workspace, id string, facts map[string]string, p resource.ActivatePolicy) ([]string, error) {
	if !p.Start || facts["state"] != string(compute.StateRunning) {
		return nil, nil
	}
	w, err := apiClient(ws)
	if err != nil {
		return nil, err
	}
	c, err := w.Clusters.GetByClusterId(ctx, id)
	if err != nil {
		return nil, err
	}
	if c.State == compute.StateTerminated || c.State == compute.StateTerminating {
		return []string{fmt.Sprintf("state is %s, want it started", c.State)}, nil
	}
	return nil, nil
}
