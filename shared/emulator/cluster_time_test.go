package emulator_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/databricks/databricks-sdk-go"
	"github.com/databricks/databricks-sdk-go/apierr"
	"github.com/databricks/databricks-sdk-go/client"
	"github.com/databricks/databricks-sdk-go/service/compute"

	"github.com/drsync/drsync/shared/emulator"
	"github.com/drsync/drsync/shared/emulator/emutest"
)

// A pinned cluster cannot be permanently deleted: 400 with the service's
// "unpin the cluster first" message (terraform-provider-databricks unpins and
// retries on exactly this). Unpinned, it can.
func TestPinnedClusterRefusesPermanentDelete(t *testing.T) {
	srv, w := emutest.Start(t, emulator.Options{})
	ctx := context.Background()
	id := clustersSeed(t, srv, `{"spark_version":"15.4.x-scala2.12"}`)
	if err := w.Clusters.PinByClusterId(ctx, id); err != nil {
		t.Fatal(err)
	}
	err := w.Clusters.PermanentDeleteByClusterId(ctx, id)
	var ae *apierr.APIError
	if !errors.As(err, &ae) || ae.StatusCode != 400 || !errors.Is(err, databricks.ErrInvalidState) ||
		ae.Message != "Cannot delete pinned cluster "+id+". Please ask an admin to unpin the cluster first." {
		t.Fatalf("permanent-delete of a pinned cluster: %v, want 400 'Cannot delete pinned cluster ...'", err)
	}
	clustersGet(t, w, id)
	if err := w.Clusters.UnpinByClusterId(ctx, id); err != nil {
		t.Fatal(err)
	}
	if err := w.Clusters.PermanentDeleteByClusterId(ctx, id); err != nil {
		t.Fatalf("permanent-delete once unpinned: %v", err)
	}
}

// A terminated cluster is TERMINATING for ClusterTerminateDelay, whatever is
// read meanwhile, then TERMINATED.
func TestClusterTerminatingThenTerminated(t *testing.T) {
	clock := newTestClock()
	_, w := emutest.Start(t, emulator.Options{Now: clock.Now, ClusterTerminateDelay: 30 * time.Second})
	ctx := context.Background()
	id := clustersCreate(t, w, clusterSmall)
	if err := w.Clusters.DeleteByClusterId(ctx, id); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if got := clustersGet(t, w, id); got.State != compute.StateTerminating {
			t.Fatalf("state = %s, want TERMINATING", got.State)
		}
	}
	clock.advance(30 * time.Second)
	got := clustersGet(t, w, id)
	if got.State != compute.StateTerminated || got.TerminatedTime != clock.Now().UnixMilli() {
		t.Fatalf("state %s terminated_time %d, want TERMINATED at %d", got.State, got.TerminatedTime, clock.Now().UnixMilli())
	}
}

// clusters/events records creation, state changes, edits, pins and
// termination, newest first by default; the filter and limit
// terraform-provider-databricks uses to read the pin status work.
func TestClusterEventsRecordHistory(t *testing.T) {
	_, w := emutest.Start(t, emulator.Options{})
	ctx := context.Background()
	id := clustersCreate(t, w, clusterSmall)
	steps := []func() error{
		func() error { return w.Clusters.PinByClusterId(ctx, id) },
		func() error {
			_, err := w.Clusters.Edit(ctx, compute.EditCluster{ClusterId: id, SparkVersion: "16.4.x-scala2.12", NodeTypeId: "i3.xlarge", NumWorkers: 4})
			return err
		},
		func() error { return w.Clusters.DeleteByClusterId(ctx, id) },
		func() error { return w.Clusters.UnpinByClusterId(ctx, id) },
	}
	for i, step := range steps {
		if err := step(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	events, err := w.Clusters.EventsAll(ctx, compute.GetEvents{ClusterId: id, Order: compute.GetEventsOrderAsc})
	if err != nil {
		t.Fatal(err)
	}
	want := []compute.EventType{"CREATING", "RUNNING", "PINNED", "EDITED", "RESTARTING", "RUNNING", "TERMINATING", "UNPINNED"}
	if got := eventTypes(events); !slices.Equal(got, want) {
		t.Fatalf("events = %v, want %v", got, want)
	}
	edited := events[3].Details
	if edited.Attributes == nil || edited.Attributes.SparkVersion != "16.4.x-scala2.12" || edited.PreviousAttributes.SparkVersion != clusterSmall.SparkVersion {
		t.Fatalf("EDITED details = %+v", edited)
	}
	// The deprecated limit is what terraform-provider-databricks reads the pin status with.
	last, err := w.Clusters.EventsAll(ctx, compute.GetEvents{ClusterId: id, Limit: 1, Order: compute.GetEventsOrderDesc, //nolint:staticcheck // see above
		EventTypes: []compute.EventType{compute.EventTypePinned, compute.EventTypeUnpinned}})
	if err != nil || len(last) != 1 || last[0].Type != compute.EventTypeUnpinned {
		t.Fatalf("latest pin event = %v, %v; want UNPINNED", eventTypes(last), err)
	}
}

// Events page as the SDK drives it (following next_page) in both the offset
// and the page-token modes, and nothing is lost or repeated.
func TestClusterEventsPaging(t *testing.T) {
	srv, w := emutest.Start(t, emulator.Options{})
	ctx := context.Background()
	id := clustersSeed(t, srv, `{"spark_version":"15.4.x-scala2.12"}`)
	for range 60 {
		if err := w.Clusters.PinByClusterId(ctx, id); err != nil {
			t.Fatal(err)
		}
		if err := w.Clusters.UnpinByClusterId(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	for name, req := range map[string]compute.GetEvents{
		"offset":     {ClusterId: id},
		"page token": {ClusterId: id, PageSize: 7},
	} {
		srv.ResetRequests()
		events, err := w.Clusters.EventsAll(ctx, req)
		if err != nil || len(events) != 121 { // CREATING (the seed) + 120 pin changes
			t.Fatalf("%s: %d events, %v; want 121", name, len(events), err)
		}
		if pages := srv.RequestCount("POST /api/2.1/clusters/events"); pages < 3 {
			t.Fatalf("%s: %d requests, want several pages", name, pages)
		}
	}
}

// clusters/update changes only the fields its update_mask names, with the
// edit's state rules; without a mask it is refused.
func TestClusterUpdateWithMask(t *testing.T) {
	srv, w := emutest.Start(t, emulator.Options{})
	ctx := context.Background()
	id := clustersSeed(t, srv, `{"cluster_name":"keep","spark_version":"15.4.x-scala2.12","node_type_id":"i3.xlarge","num_workers":2,"custom_tags":{"a":"1"}}`)
	_, err := w.Clusters.Update(ctx, compute.UpdateCluster{ClusterId: id, UpdateMask: "num_workers,custom_tags",
		Cluster: &compute.UpdateClusterResource{NumWorkers: 7}})
	if err != nil {
		t.Fatal(err)
	}
	got := clustersGet(t, w, id)
	if got.NumWorkers != 7 || got.CustomTags != nil || got.ClusterName != "keep" || got.State != compute.StateTerminated {
		t.Fatalf("after update: workers %d tags %v name %q state %s", got.NumWorkers, got.CustomTags, got.ClusterName, got.State)
	}
	if _, err := w.Clusters.Update(ctx, compute.UpdateCluster{ClusterId: id}); !errors.Is(err, databricks.ErrInvalidParameterValue) {
		t.Fatalf("update without a mask: %v, want ErrInvalidParameterValue", err)
	}
}

// API 2.0 clusters paths are served: create and get as in 2.1, and a list
// that returns every cluster in one response (no page token).
func TestClustersAPI20(t *testing.T) {
	srv, w := emutest.Start(t, emulator.Options{})
	ctx := context.Background()
	api := rawClient(t, w)
	var created compute.CreateClusterResponse
	if err := api.Do(ctx, "POST", "/api/2.0/clusters/create", nil, nil, clusterSmall, &created); err != nil {
		t.Fatal(err)
	}
	for range 110 {
		clustersSeed(t, srv, `{"spark_version":"15.4.x-scala2.12"}`)
	}
	var got compute.ClusterDetails
	if err := api.Do(ctx, "GET", "/api/2.0/clusters/get", nil, map[string]any{"cluster_id": created.ClusterId}, nil, &got); err != nil || got.ClusterId != created.ClusterId {
		t.Fatalf("2.0 get: %+v, %v", got, err)
	}
	var list compute.ListClustersResponse
	if err := api.Do(ctx, "GET", "/api/2.0/clusters/list", nil, nil, nil, &list); err != nil {
		t.Fatal(err)
	}
	if len(list.Clusters) != 111 || list.NextPageToken != "" {
		t.Fatalf("2.0 list: %d clusters, token %q; want all 111 and no token", len(list.Clusters), list.NextPageToken)
	}
}

func eventTypes(events []compute.ClusterEvent) []compute.EventType {
	out := make([]compute.EventType, 0, len(events))
	for _, e := range events {
		out = append(out, e.Type)
	}
	return out
}

// rawClient is the SDK's own authenticated client, for paths its typed
// services do not call (older API versions).
func rawClient(t *testing.T, w *databricks.WorkspaceClient) *client.DatabricksClient {
	t.Helper()
	c, err := client.New(w.Config)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
