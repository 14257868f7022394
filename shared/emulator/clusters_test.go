package emulator_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/databricks/databricks-sdk-go"
	"github.com/databricks/databricks-sdk-go/apierr"
	"github.com/databricks/databricks-sdk-go/service/compute"

	"github.com/drsync/drsync/shared/emulator"
	"github.com/drsync/drsync/shared/emulator/emutest"
)

var clusterIDFormat = regexp.MustCompile(`^\d{4}-\d{6}-[a-z0-9]{8}$`)

func clustersCreate(t *testing.T, w *databricks.WorkspaceClient, req compute.CreateCluster) string {
	t.Helper()
	wait, err := w.Clusters.Create(context.Background(), req)
	if err != nil {
		t.Fatalf("create cluster: %v", err)
	}
	return wait.ClusterId
}

func clustersGet(t *testing.T, w *databricks.WorkspaceClient, id string) *compute.ClusterDetails {
	t.Helper()
	c, err := w.Clusters.GetByClusterId(context.Background(), id)
	if err != nil {
		t.Fatalf("get cluster %s: %v", id, err)
	}
	return c
}

func clustersSeed(t *testing.T, srv *emulator.Server, body string) string {
	t.Helper()
	id, err := srv.SeedCluster([]byte(body))
	if err != nil {
		t.Fatalf("seed cluster %s: %v", body, err)
	}
	return id
}

func clustersRawGet(t *testing.T, srv *emulator.Server, path string, q url.Values) map[string]any {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, srv.URL()+path+"?"+q.Encode(), nil)
	req.Header.Set("Authorization", "Bearer "+srv.Token())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET %s: status %d, decode %v", path, resp.StatusCode, err)
	}
	return out
}

func clustersIDs(list []compute.ClusterDetails) []string {
	ids := make([]string, 0, len(list))
	for _, c := range list {
		ids = append(ids, c.ClusterId)
	}
	slices.Sort(ids)
	return ids
}

var clusterSmall = compute.CreateCluster{SparkVersion: "15.4.x-scala2.12", NodeTypeId: "i3.xlarge", NumWorkers: 2}

// create returns an id in MMDD-HHMMSS-xxxxxxxx form and CreateAndWait ends RUNNING.
func TestClusterCreateAndWaitReachesRunning(t *testing.T) {
	_, w := emutest.Start(t, emulator.Options{})
	c, err := createAndWait(context.Background(), w, clusterSmall)
	if err != nil {
		t.Fatalf("CreateAndWait: %v", err)
	}
	if c.State != compute.StateRunning || !clusterIDFormat.MatchString(c.ClusterId) {
		t.Fatalf("state %s id %q, want RUNNING and MMDD-HHMMSS-xxxxxxxx", c.State, c.ClusterId)
	}
}

// Get of a missing cluster is 400 INVALID_PARAMETER_VALUE "Cluster <id> does not
// exist", which the SDK maps to ErrResourceDoesNotExist.
func TestClusterGetMissing(t *testing.T) {
	_, w := emutest.Start(t, emulator.Options{})
	_, err := w.Clusters.GetByClusterId(context.Background(), "0101-000000-nothere1")
	var ae *apierr.APIError
	if !errors.Is(err, databricks.ErrResourceDoesNotExist) || !errors.As(err, &ae) || ae.StatusCode != 400 ||
		ae.Message != "Cluster 0101-000000-nothere1 does not exist" {
		t.Fatalf("err = %#v, want 400 'Cluster <id> does not exist' as ErrResourceDoesNotExist", err)
	}
}

// A missing cluster on a POST (no SDK override) stays ErrInvalidParameterValue.
func TestClusterEditMissingIsInvalidParameter(t *testing.T) {
	_, w := emutest.Start(t, emulator.Options{})
	_, err := w.Clusters.Edit(context.Background(), compute.EditCluster{ClusterId: "0101-000000-nothere1", SparkVersion: "x"})
	if !errors.Is(err, databricks.ErrInvalidParameterValue) {
		t.Fatalf("err = %v, want ErrInvalidParameterValue", err)
	}
}

// A new cluster stays PENDING for ClusterStartDelay on the server's clock;
// editing it meanwhile is 400 INVALID_STATE, as on a workspace; once the
// delay has passed it reads RUNNING and takes the edit.
func TestClusterEditPendingIsInvalidState(t *testing.T) {
	clock := newTestClock()
	_, w := emutest.Start(t, emulator.Options{Now: clock.Now, ClusterStartDelay: 5 * time.Minute})
	ctx := context.Background()
	id := clustersCreate(t, w, clusterSmall)
	edit := compute.EditCluster{ClusterId: id, SparkVersion: "15.4.x-scala2.12", NumWorkers: 3}
	_, err := w.Clusters.Edit(ctx, edit)
	var ae *apierr.APIError
	if !errors.Is(err, databricks.ErrInvalidState) || !errors.As(err, &ae) || ae.Message != "Cluster "+id+" is in unexpected state Pending." {
		t.Fatalf("err = %v, want INVALID_STATE 'Cluster <id> is in unexpected state Pending.'", err)
	}
	if got := clustersGet(t, w, id); got.State != compute.StatePending {
		t.Fatalf("state after a read = %s, want PENDING (reads do not move time)", got.State)
	}
	clock.advance(5 * time.Minute)
	if _, err := w.Clusters.Edit(ctx, edit); err != nil {
		t.Fatalf("edit once RUNNING: %v", err)
	}
}

// Editing a RUNNING cluster restarts it: it is RESTARTING (a second edit is
// refused) for ClusterStartDelay, then RUNNING with the new spec.
func TestClusterEditRunningRestarts(t *testing.T) {
	clock := newTestClock()
	_, w := emutest.Start(t, emulator.Options{Now: clock.Now, ClusterStartDelay: time.Minute})
	ctx := context.Background()
	id := clustersCreate(t, w, clusterSmall)
	clock.advance(time.Minute)
	edit := compute.EditCluster{ClusterId: id, SparkVersion: "16.4.x-scala2.12", NodeTypeId: "i3.xlarge", NumWorkers: 5}
	if _, err := w.Clusters.Edit(ctx, edit); err != nil {
		t.Fatalf("edit running: %v", err)
	}
	if _, err := w.Clusters.Edit(ctx, edit); !errors.Is(err, databricks.ErrInvalidState) {
		t.Fatalf("edit while restarting: err = %v, want ErrInvalidState", err)
	}
	if got := clustersGet(t, w, id); got.State != compute.StateRestarting {
		t.Fatalf("state = %s, want RESTARTING", got.State)
	}
	clock.advance(time.Minute)
	got := clustersGet(t, w, id)
	if got.State != compute.StateRunning || got.SparkVersion != "16.4.x-scala2.12" || got.NumWorkers != 5 {
		t.Fatalf("after restart: state %s version %s workers %d", got.State, got.SparkVersion, got.NumWorkers)
	}
}

// delete terminates (DeleteAndWait ends TERMINATED); a terminated cluster can be
// edited and stays terminated; start brings it back to RUNNING.
func TestClusterTerminateEditStart(t *testing.T) {
	_, w := emutest.Start(t, emulator.Options{})
	ctx := context.Background()
	c, err := createAndWait(ctx, w, clusterSmall)
	if err != nil {
		t.Fatal(err)
	}
	if c, err = w.Clusters.DeleteByClusterIdAndWait(ctx, c.ClusterId); err != nil || c.State != compute.StateTerminated {
		t.Fatalf("DeleteAndWait: %v, state %v", err, c)
	}
	if c.TerminationReason == nil || c.TerminatedTime == 0 {
		t.Fatalf("terminated cluster lacks termination_reason/terminated_time: %+v", c)
	}
	if _, err := w.Clusters.Edit(ctx, compute.EditCluster{ClusterId: c.ClusterId, SparkVersion: "16.4.x-scala2.12", NodeTypeId: "i3.xlarge"}); err != nil {
		t.Fatalf("edit terminated: %v", err)
	}
	if got := clustersGet(t, w, c.ClusterId); got.State != compute.StateTerminated || got.SparkVersion != "16.4.x-scala2.12" {
		t.Fatalf("after edit: state %s version %s, want TERMINATED 16.4", got.State, got.SparkVersion)
	}
	got, err := w.Clusters.StartByClusterIdAndWait(ctx, c.ClusterId)
	if err != nil || got.State != compute.StateRunning || got.TerminatedTime != 0 {
		t.Fatalf("StartAndWait: %v %+v", err, got)
	}
}

// start on a cluster that is not TERMINATED does nothing and succeeds.
func TestClusterStartRunningIsNoop(t *testing.T) {
	_, w := emutest.Start(t, emulator.Options{})
	ctx := context.Background()
	c, err := createAndWait(ctx, w, clusterSmall)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Clusters.StartByClusterId(ctx, c.ClusterId); err != nil {
		t.Fatalf("start running: %v", err)
	}
	if got := clustersGet(t, w, c.ClusterId); got.State != compute.StateRunning || got.SparkContextId != c.SparkContextId {
		t.Fatalf("start changed a running cluster: %+v", got)
	}
}

// Clusters created by the Jobs service cannot be edited nor started.
func TestClusterJobClusterNotEditableNorStartable(t *testing.T) {
	srv, w := emutest.Start(t, emulator.Options{})
	ctx := context.Background()
	running := clustersSeed(t, srv, `{"spark_version":"15.4.x-scala2.12","node_type_id":"i3.xlarge","num_workers":1,"cluster_source":"JOB","state":"RUNNING"}`)
	stopped := clustersSeed(t, srv, `{"spark_version":"15.4.x-scala2.12","node_type_id":"i3.xlarge","num_workers":1,"cluster_source":"JOB"}`)
	_, err := w.Clusters.Edit(ctx, compute.EditCluster{ClusterId: running, SparkVersion: "16.4.x-scala2.12"})
	if !errors.Is(err, databricks.ErrInvalidParameterValue) {
		t.Fatalf("edit job cluster: err = %v, want ErrInvalidParameterValue", err)
	}
	if err := w.Clusters.StartByClusterId(ctx, stopped); !errors.Is(err, databricks.ErrInvalidParameterValue) {
		t.Fatalf("start job cluster: err = %v, want ErrInvalidParameterValue", err)
	}
	if got := clustersGet(t, w, running); got.ClusterSource != compute.ClusterSourceJob || got.State != compute.StateRunning {
		t.Fatalf("seeded job cluster reads %s/%s", got.ClusterSource, got.State)
	}
}

// permanent-delete removes the cluster from get and list.
func TestClusterPermanentDelete(t *testing.T) {
	srv, w := emutest.Start(t, emulator.Options{})
	ctx := context.Background()
	id := clustersCreate(t, w, clusterSmall)
	if err := w.Clusters.PermanentDeleteByClusterId(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Clusters.GetByClusterId(ctx, id); !errors.Is(err, databricks.ErrResourceDoesNotExist) {
		t.Fatalf("get after permanent delete: %v", err)
	}
	if all, err := w.Clusters.ListAll(ctx, compute.ListClustersRequest{}); err != nil || len(all) != 0 || srv.ClusterCount() != 0 {
		t.Fatalf("list after permanent delete: %d clusters, %v", len(all), err)
	}
}

// Every read carries the read-only fields and the server defaults, and spec is
// the user spec exactly as sent; num_workers 0 is on the wire.
func TestClusterReadOnlyFieldsAndDefaults(t *testing.T) {
	_, w := emutest.Start(t, emulator.Options{UserName: "bob@example.com"})
	id := clustersCreate(t, w, compute.CreateCluster{
		ClusterName: "solo", SparkVersion: "15.4.x-scala2.12", NodeTypeId: "m5d.large",
		DataSecurityMode: compute.DataSecurityModeSingleUser, ApplyPolicyDefaultValues: true,
	})
	c := clustersGet(t, w, id)
	wantTags := map[string]string{"Vendor": "Databricks", "Creator": "bob@example.com", "ClusterName": "solo", "ClusterId": id}
	checks := map[string]bool{
		"cluster_id/source/creator":   c.ClusterId == id && c.ClusterSource == compute.ClusterSourceApi && c.CreatorUserName == "bob@example.com",
		"times and spark context":     c.StartTime > 0 && c.LastRestartedTime > 0 && c.SparkContextId != 0,
		"default_tags":                reflect.DeepEqual(c.DefaultTags, wantTags),
		"driver defaults to node":     c.DriverNodeTypeId == "m5d.large",
		"single_user_name is caller":  c.SingleUserName == "bob@example.com",
		"aws_attributes defaults":     c.AwsAttributes != nil && c.AwsAttributes.Availability == compute.AwsAvailabilitySpotWithFallback && c.AwsAttributes.FirstOnDemand == 1 && c.AwsAttributes.SpotBidPricePercent == 100 && c.AwsAttributes.ZoneId != "",
		"num_workers 0 on the wire":   slices.Contains(c.ForceSendFields, "NumWorkers"),
		"enable_elastic_disk present": slices.Contains(c.ForceSendFields, "EnableElasticDisk"),
		"spec as sent":                c.Spec != nil && c.Spec.DriverNodeTypeId == "" && c.Spec.AwsAttributes == nil && c.Spec.SingleUserName == "" && c.Spec.ApplyPolicyDefaultValues,
	}
	for name, ok := range checks {
		if !ok {
			t.Errorf("%s: got %+v", name, c)
		}
	}
}

// The list pages by page_size (capped at 100) until the last page omits the token.
func TestClusterListPagesToTheEnd(t *testing.T) {
	srv, w := emutest.Start(t, emulator.Options{})
	for i := range 250 {
		clustersSeed(t, srv, fmt.Sprintf(`{"cluster_name":"c%03d","spark_version":"15.4.x-scala2.12","node_type_id":"i3.xlarge"}`, i))
	}
	for _, size := range []int{0, 100, 500} {
		srv.ResetRequests()
		all, err := w.Clusters.ListAll(context.Background(), compute.ListClustersRequest{PageSize: size})
		if err != nil {
			t.Fatal(err)
		}
		ids := clustersIDs(all)
		if len(slices.Compact(ids)) != 250 {
			t.Fatalf("page_size %d: %d distinct clusters, want 250", size, len(slices.Compact(ids)))
		}
		if got := srv.RequestCount("GET /api/2.1/clusters/list"); got != 3 {
			t.Fatalf("page_size %d: %d requests, want 3", size, got)
		}
	}
}

// prev_page_token leads back to the previous page; the first page has none.
func TestClusterListPrevPageToken(t *testing.T) {
	srv, _ := emutest.Start(t, emulator.Options{})
	for i := range 5 {
		clustersSeed(t, srv, fmt.Sprintf(`{"cluster_name":"c%d","spark_version":"15.4.x-scala2.12"}`, i))
	}
	first := clustersRawGet(t, srv, "/api/2.1/clusters/list", url.Values{"page_size": {"2"}})
	second := clustersRawGet(t, srv, "/api/2.1/clusters/list", url.Values{"page_size": {"2"}, "page_token": {first["next_page_token"].(string)}})
	back := clustersRawGet(t, srv, "/api/2.1/clusters/list", url.Values{"page_size": {"2"}, "page_token": {second["prev_page_token"].(string)}})
	if _, ok := first["prev_page_token"]; ok {
		t.Fatalf("first page has prev_page_token: %v", first)
	}
	if !reflect.DeepEqual(back["clusters"], first["clusters"]) {
		t.Fatalf("prev page of page 2 differs from page 1")
	}
}

// filter_by.* (repeated keys for sources and states) narrows the list; without a
// filter job clusters are listed too.
func TestClusterListFilters(t *testing.T) {
	srv, w := emutest.Start(t, emulator.Options{})
	ctx := context.Background()
	policy, err := srv.SeedPolicy([]byte(`{"name":"p","definition":"{}"}`))
	if err != nil {
		t.Fatal(err)
	}
	ui := clustersSeed(t, srv, `{"spark_version":"15.4.x-scala2.12","cluster_source":"UI","state":"RUNNING"}`)
	api := clustersSeed(t, srv, fmt.Sprintf(`{"spark_version":"15.4.x-scala2.12","cluster_source":"API","policy_id":%q}`, policy))
	job := clustersSeed(t, srv, `{"spark_version":"15.4.x-scala2.12","cluster_source":"JOB","state":"RUNNING"}`)
	if err := w.Clusters.PinByClusterId(ctx, api); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		filter compute.ListClustersFilterBy
		want   []string
	}{
		{"none", compute.ListClustersFilterBy{}, []string{ui, api, job}},
		{"sources", compute.ListClustersFilterBy{ClusterSources: []compute.ClusterSource{"UI", "API"}}, []string{ui, api}},
		{"states", compute.ListClustersFilterBy{ClusterStates: []compute.State{"RUNNING"}}, []string{ui, job}},
		{"pinned", compute.ListClustersFilterBy{IsPinned: true}, []string{api}},
		{"policy", compute.ListClustersFilterBy{PolicyId: policy}, []string{api}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			all, err := w.Clusters.ListAll(ctx, compute.ListClustersRequest{FilterBy: &tc.filter})
			slices.Sort(tc.want)
			if got := clustersIDs(all); err != nil || !slices.Equal(got, tc.want) {
				t.Fatalf("got %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}

// Unpinned clusters terminated over 30 days ago leave the list but stay
// gettable; pinned ones are listed forever.
func TestClusterListHidesOldTerminated(t *testing.T) {
	var skew atomic.Int64 // the clock is read by server goroutines
	clock := func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }
	srv, w := emutest.Start(t, emulator.Options{Now: clock})
	ctx := context.Background()
	old := clustersSeed(t, srv, `{"spark_version":"15.4.x-scala2.12"}`)
	pinned := clustersSeed(t, srv, `{"spark_version":"15.4.x-scala2.12"}`)
	if err := w.Clusters.PinByClusterId(ctx, pinned); err != nil {
		t.Fatal(err)
	}
	skew.Store(int64(31 * 24 * time.Hour))
	fresh := clustersSeed(t, srv, `{"spark_version":"15.4.x-scala2.12"}`)
	all, err := w.Clusters.ListAll(ctx, compute.ListClustersRequest{})
	want := []string{pinned, fresh}
	slices.Sort(want)
	if got := clustersIDs(all); err != nil || !slices.Equal(got, want) {
		t.Fatalf("listed %v, %v; want %v", got, err, want)
	}
	clustersGet(t, w, old)
}

// pin shows as pinned_by_user_name and in the is_pinned filter; unpin undoes it.
func TestClusterPinUnpin(t *testing.T) {
	srv, w := emutest.Start(t, emulator.Options{})
	ctx := context.Background()
	id := clustersSeed(t, srv, `{"spark_version":"15.4.x-scala2.12"}`)
	pinned := func() []string {
		all, err := w.Clusters.ListAll(ctx, compute.ListClustersRequest{FilterBy: &compute.ListClustersFilterBy{IsPinned: true}})
		if err != nil {
			t.Fatal(err)
		}
		return clustersIDs(all)
	}
	if err := w.Clusters.Pin(ctx, compute.PinCluster{ClusterId: id}); err != nil || !slices.Equal(pinned(), []string{id}) {
		t.Fatalf("after pin: %v, pinned %v", err, pinned())
	}
	raw := clustersRawGet(t, srv, "/api/2.1/clusters/get", url.Values{"cluster_id": {id}})
	if raw["pinned_by_user_name"] == nil {
		t.Fatalf("pinned cluster lacks pinned_by_user_name")
	}
	if err := w.Clusters.Unpin(ctx, compute.UnpinCluster{ClusterId: id}); err != nil || len(pinned()) != 0 {
		t.Fatalf("after unpin: %v, pinned %v", err, pinned())
	}
}

// create validates the spec; each violation is 400 INVALID_PARAMETER_VALUE
// naming the field.
func TestClusterCreateValidation(t *testing.T) {
	srv, w := emutest.Start(t, emulator.Options{})
	pool, err := srv.SeedPool([]byte(`{"instance_pool_name":"p","node_type_id":"i3.xlarge"}`))
	if err != nil {
		t.Fatal(err)
	}
	tags := map[string]string{}
	for i := range 46 {
		tags[fmt.Sprint("k", i)] = "v"
	}
	cases := []struct {
		name, field string
		req         compute.CreateCluster
	}{
		{"no spark_version", "spark_version", compute.CreateCluster{NumWorkers: 1}},
		{"size twice", "autoscale", compute.CreateCluster{SparkVersion: "15.4.x-scala2.12", NumWorkers: 1, Autoscale: &compute.AutoScale{MinWorkers: 1, MaxWorkers: 2}}},
		{"autoscale bounds", "autoscale", compute.CreateCluster{SparkVersion: "15.4.x-scala2.12", Autoscale: &compute.AutoScale{MinWorkers: 3, MaxWorkers: 2}}},
		{"autotermination 5", "autotermination_minutes", compute.CreateCluster{SparkVersion: "15.4.x-scala2.12", AutoterminationMinutes: 5}},
		{"autotermination 10001", "autotermination_minutes", compute.CreateCluster{SparkVersion: "15.4.x-scala2.12", AutoterminationMinutes: 10001}},
		{"46 tags", "custom_tags", compute.CreateCluster{SparkVersion: "15.4.x-scala2.12", CustomTags: tags}},
		{"unknown pool", "instance_pool_id", compute.CreateCluster{SparkVersion: "15.4.x-scala2.12", InstancePoolId: "nope"}},
		{"unknown driver pool", "driver_instance_pool_id", compute.CreateCluster{SparkVersion: "15.4.x-scala2.12", InstancePoolId: pool, DriverInstancePoolId: "nope"}},
		{"unknown policy", "policy_id", compute.CreateCluster{SparkVersion: "15.4.x-scala2.12", PolicyId: "0000000000000000"}},
		{"pool and node type", "node_type_id", compute.CreateCluster{SparkVersion: "15.4.x-scala2.12", InstancePoolId: pool, NodeTypeId: "i3.xlarge"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := w.Clusters.Create(context.Background(), tc.req)
			if !errors.Is(err, databricks.ErrInvalidParameterValue) || !strings.Contains(err.Error(), tc.field) {
				t.Fatalf("err = %v, want INVALID_PARAMETER_VALUE naming %s", err, tc.field)
			}
		})
	}
	if srv.ClusterCount() != 0 {
		t.Fatalf("a rejected create stored a cluster")
	}
}

// A pool-backed cluster takes its node types from the pool.
func TestClusterPoolBackedNodeTypes(t *testing.T) {
	srv, w := emutest.Start(t, emulator.Options{})
	workers, _ := srv.SeedPool([]byte(`{"instance_pool_name":"w","node_type_id":"r5d.xlarge"}`))
	driver, _ := srv.SeedPool([]byte(`{"instance_pool_name":"d","node_type_id":"m5d.large"}`))
	id := clustersCreate(t, w, compute.CreateCluster{SparkVersion: "15.4.x-scala2.12", NumWorkers: 1, InstancePoolId: workers, DriverInstancePoolId: driver})
	c := clustersGet(t, w, id)
	if c.NodeTypeId != "r5d.xlarge" || c.DriverNodeTypeId != "m5d.large" || c.Spec.NodeTypeId != "" {
		t.Fatalf("node %q driver %q spec node %q", c.NodeTypeId, c.DriverNodeTypeId, c.Spec.NodeTypeId)
	}
}

// The reference sample decodes into ClusterDetails (int64 spark_context_id
// intact), and a cluster created from its settable fields reads them back equal.
func TestClusterSampleRoundTrip(t *testing.T) {
	var sample compute.ClusterDetails
	if err := json.Unmarshal(readSample(t, "clusters-get.json"), &sample); err != nil || sample.SparkContextId != 7103845521823497123 {
		t.Fatalf("decode sample: %v, spark_context_id %d", err, sample.SparkContextId)
	}
	srv, w := emutest.Start(t, emulator.Options{})
	policy, err := srv.SeedPolicy([]byte(`{"name":"analytics","definition":"{}"}`))
	if err != nil {
		t.Fatal(err)
	}
	specJSON := strings.ReplaceAll(clusterSampleSpecJSON(t), "E06216CAA0000360", policy)
	var req compute.CreateCluster
	if err := json.Unmarshal([]byte(specJSON), &req); err != nil {
		t.Fatal(err)
	}
	got := clustersGet(t, w, clustersCreate(t, w, req))
	want := sample
	want.PolicyId, want.Spec.PolicyId = policy, policy
	clusterStripReadOnly(&want)
	gotSettable := *got
	clusterStripReadOnly(&gotSettable)
	if !reflect.DeepEqual(gotSettable, want) {
		g, _ := json.Marshal(gotSettable)
		x, _ := json.Marshal(want)
		t.Fatalf("read back differs:\n got %s\nwant %s", g, x)
	}
}

func clusterSampleSpecJSON(t *testing.T) string {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(readSample(t, "clusters-get.json"), &raw); err != nil {
		t.Fatal(err)
	}
	return string(raw["spec"])
}

// clusterStripReadOnly clears the fields the server owns (reference §2.3).
func clusterStripReadOnly(c *compute.ClusterDetails) {
	c.ClusterId, c.ClusterSource, c.CreatorUserName, c.State, c.StateMessage = "", "", "", "", ""
	c.StartTime, c.TerminatedTime, c.LastRestartedTime, c.SparkContextId = 0, 0, 0, 0
	c.DefaultTags, c.TerminationReason = nil, nil
	readOnly := []string{"ClusterId", "ClusterSource", "CreatorUserName", "State", "StateMessage",
		"StartTime", "TerminatedTime", "LastRestartedTime", "SparkContextId"}
	c.ForceSendFields = slices.DeleteFunc(c.ForceSendFields, func(f string) bool {
		return slices.Contains(readOnly, f)
	})
}

// createAndWait creates a cluster and waits for RUNNING, as CreateAndWait did
// before the SDK deprecated it.
func createAndWait(ctx context.Context, w *databricks.WorkspaceClient, req compute.CreateCluster) (*compute.ClusterDetails, error) {
	wait, err := w.Clusters.Create(ctx, req)
	if err != nil {
		return nil, err
	}
	return wait.Get()
}

// testClock is a clock a test moves by hand; it starts at a fixed instant.
type testClock struct{ ns atomic.Int64 }

func newTestClock() *testClock {
	c := &testClock{}
	c.ns.Store(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC).UnixNano())
	return c
}

// Now is the clock, for emulator.Options.Now (read by server goroutines).
func (c *testClock) Now() time.Time { return time.Unix(0, c.ns.Load()).UTC() }

func (c *testClock) advance(d time.Duration) { c.ns.Add(int64(d)) }
