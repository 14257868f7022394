package emulator_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/databricks/databricks-sdk-go"
	"github.com/databricks/databricks-sdk-go/apierr"
	"github.com/databricks/databricks-sdk-go/listing"
	"github.com/databricks/databricks-sdk-go/service/compute"
	"github.com/databricks/databricks-sdk-go/service/jobs"

	"github.com/drsync/drsync/shared/emulator"
	"github.com/drsync/drsync/shared/emulator/emutest"
)

// jobsSeed seeds n one-task jobs named prefix-NN and returns their ids in
// creation order (oldest first).
func jobsSeed(t *testing.T, srv *emulator.Server, n int, prefix string) []int64 {
	t.Helper()
	ids := make([]int64, n)
	for i := range n {
		body := fmt.Sprintf(`{"name":"%s-%02d","tasks":[{"task_key":"t","notebook_task":{"notebook_path":"/x"}}]}`, prefix, i)
		id, err := srv.SeedJob([]byte(body))
		if err != nil {
			t.Fatalf("seed job %d: %v", i, err)
		}
		ids[i] = id
	}
	return ids
}

// jobsNotebookTasks returns n notebook tasks keyed t000, t001, ...
func jobsNotebookTasks(n int) []jobs.Task {
	tasks := make([]jobs.Task, n)
	for i := range tasks {
		tasks[i] = jobs.Task{
			TaskKey:      fmt.Sprintf("t%03d", i),
			NotebookTask: &jobs.NotebookTask{NotebookPath: fmt.Sprintf("/Shared/nb%03d", i)},
		}
	}
	return tasks
}

// jobsRawGet sends an authenticated GET and decodes the JSON body with exact numbers.
func jobsRawGet(t *testing.T, srv *emulator.Server, pathAndQuery string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, srv.URL()+pathAndQuery, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+srv.Token())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body := map[string]any{}
	dec := json.NewDecoder(resp.Body)
	dec.UseNumber()
	if err := dec.Decode(&body); err != nil {
		t.Fatalf("decode %s: %v", pathAndQuery, err)
	}
	return resp.StatusCode, body
}

// jobsDig walks decoded JSON by object keys (string) and array indexes (int).
func jobsDig(v any, path ...any) any {
	for _, p := range path {
		switch p := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[p]
		case int:
			a, _ := v.([]any)
			if p >= len(a) {
				return nil
			}
			v = a[p]
		}
	}
	return v
}

// jobsIDs returns the job ids of a listing.
func jobsIDs(list []jobs.BaseJob) []int64 {
	ids := make([]int64, len(list))
	for i, j := range list {
		ids[i] = j.JobId
	}
	return ids
}

// newestFirst reverses creation-ordered ids into list order.
func newestFirst(ids []int64) []int64 {
	out := make([]int64, len(ids))
	for i, id := range ids {
		out[len(ids)-1-i] = id
	}
	return out
}

// ListAll pages to the end and stops: 45 jobs at limit 20 take exactly 3
// requests, newest first, and without expand_tasks no tasks come back.
func TestJobsListPagesToEnd(t *testing.T) {
	srv, w := emutest.Start(t, emulator.Options{})
	ids := jobsSeed(t, srv, 45, "job")
	got, err := w.Jobs.ListAll(context.Background(), jobs.ListJobsRequest{Limit: 20})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(jobsIDs(got), newestFirst(ids)) {
		t.Fatalf("ids = %v, want newest first %v", jobsIDs(got), newestFirst(ids))
	}
	if n := srv.RequestCount("GET /api/2.2/jobs/list"); n != 3 {
		t.Fatalf("list requests = %d, want 3", n)
	}
	for _, j := range got {
		if j.Settings == nil || j.Settings.Name == "" || len(j.Settings.Tasks) != 0 || j.CreatorUserName == "" {
			t.Fatalf("list item %d: settings %+v, want name and no tasks", j.JobId, j.Settings)
		}
	}
}

// Default limit is 20; the last page omits next_page_token entirely; later
// pages carry prev_page_token leading back to the previous page.
func TestJobsListTokensOnTheWire(t *testing.T) {
	srv, _ := emutest.Start(t, emulator.Options{})
	jobsSeed(t, srv, 25, "job")
	_, first := jobsRawGet(t, srv, "/api/2.2/jobs/list?")
	next, _ := first["next_page_token"].(string)
	if n := len(first["jobs"].([]any)); n != 20 || next == "" || first["has_more"] != true {
		t.Fatalf("page 1: %d jobs, token %q, has_more %v; want 20, a token, true", n, next, first["has_more"])
	}
	if _, ok := first["prev_page_token"]; ok {
		t.Fatalf("page 1 carries prev_page_token")
	}
	_, last := jobsRawGet(t, srv, "/api/2.2/jobs/list?page_token="+next)
	if _, ok := last["next_page_token"]; ok || len(last["jobs"].([]any)) != 5 || last["has_more"] != false {
		t.Fatalf("last page = %v, want 5 jobs, has_more false and no next_page_token", last)
	}
	_, back := jobsRawGet(t, srv, "/api/2.2/jobs/list?page_token="+last["prev_page_token"].(string))
	if !reflect.DeepEqual(jobsDig(back, "jobs"), jobsDig(first, "jobs")) {
		t.Fatalf("prev_page_token did not lead back to page 1")
	}
}

// Out-of-range limit/offset and unreadable page tokens are 400 INVALID_PARAMETER_VALUE.
func TestJobsListRejectsBadParams(t *testing.T) {
	srv, w := emutest.Start(t, emulator.Options{})
	for _, q := range []string{"limit=0", "limit=101", "limit=-1", "limit=x", "offset=-1", "page_token=nonsense"} {
		status, body := jobsRawGet(t, srv, "/api/2.2/jobs/list?"+q)
		if status != http.StatusBadRequest || body["error_code"] != "INVALID_PARAMETER_VALUE" {
			t.Errorf("%s: %d %v, want 400 INVALID_PARAMETER_VALUE", q, status, body)
		}
	}
	_, err := w.Jobs.ListAll(context.Background(), jobs.ListJobsRequest{Limit: 101})
	if !errors.Is(err, databricks.ErrInvalidParameterValue) {
		t.Fatalf("limit 101 through the SDK: %v, want ErrInvalidParameterValue", err)
	}
}

// A next token stays valid while jobs are created and deleted between pages,
// even when the job it ends on is deleted: no job is skipped or repeated.
func TestJobsListTokenSurvivesWrites(t *testing.T) {
	ctx := context.Background()
	srv, w := emutest.Start(t, emulator.Options{})
	order := newestFirst(jobsSeed(t, srv, 30, "job"))
	it := w.Jobs.List(ctx, jobs.ListJobsRequest{Limit: 10})
	var seen []int64
	for range 10 {
		j, err := it.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		seen = append(seen, j.JobId)
	}
	for _, id := range []int64{order[3], order[9], order[12]} { // seen, the token's anchor, unseen
		if err := w.Jobs.DeleteByJobId(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	jobsSeed(t, srv, 1, "new")
	rest, err := listing.ToSlice(ctx, it)
	if err != nil {
		t.Fatal(err)
	}
	want := append([]int64{order[10], order[11]}, order[13:]...)
	if !reflect.DeepEqual(seen, order[:10]) || !reflect.DeepEqual(jobsIDs(rest), want) {
		t.Fatalf("after writes got %v, want %v", jobsIDs(rest), want)
	}
}

// The deprecated offset is still honoured.
func TestJobsListOffset(t *testing.T) {
	srv, _ := emutest.Start(t, emulator.Options{})
	order := newestFirst(jobsSeed(t, srv, 12, "job"))
	_, body := jobsRawGet(t, srv, "/api/2.2/jobs/list?limit=3&offset=5")
	var got []int64
	for _, j := range body["jobs"].([]any) {
		id, _ := jobsDig(j, "job_id").(json.Number).Int64()
		got = append(got, id)
	}
	if !reflect.DeepEqual(got, order[5:8]) {
		t.Fatalf("offset 5 limit 3 = %v, want %v", got, order[5:8])
	}
}

// name filters on the exact job name, case-insensitively; GetBySettingsName finds a job.
func TestJobsListNameFilter(t *testing.T) {
	ctx := context.Background()
	srv, w := emutest.Start(t, emulator.Options{})
	for _, body := range []string{`{"name":"Nightly"}`, `{"name":"nightly"}`, `{"name":"nightly-2"}`, `{"name":"other"}`} {
		if _, err := srv.SeedJob([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	got, err := w.Jobs.ListAll(ctx, jobs.ListJobsRequest{Name: "NIGHTLY"})
	if err != nil || len(got) != 2 {
		t.Fatalf("name NIGHTLY: %d jobs, %v; want Nightly and nightly", len(got), err)
	}
	if j, err := w.Jobs.GetBySettingsName(ctx, "other"); err != nil || j.Settings.Name != "other" {
		t.Fatalf("GetBySettingsName: %+v, %v", j, err)
	}
}

// With expand_tasks, a job with over 100 tasks is cut at 100 with has_more, and
// the SDK's List fetches it (and only it) through jobs/get to complete it.
func TestJobsListExpandTasks(t *testing.T) {
	ctx := context.Background()
	srv, w := emutest.Start(t, emulator.Options{})
	for _, n := range []int{150, 3} {
		body, _ := json.Marshal(jobs.CreateJob{Name: fmt.Sprintf("n%d", n), Tasks: jobsNotebookTasks(n)})
		if _, err := srv.SeedJob(body); err != nil {
			t.Fatal(err)
		}
	}
	_, raw := jobsRawGet(t, srv, "/api/2.2/jobs/list?expand_tasks=true")
	if n := len(jobsDig(raw, "jobs", 1, "settings", "tasks").([]any)); n != 100 || jobsDig(raw, "jobs", 1, "has_more") != true {
		t.Fatalf("raw expand: %d tasks, has_more %v; want 100, true", n, jobsDig(raw, "jobs", 1, "has_more"))
	}
	srv.ResetRequests()
	got, err := listing.ToSlice(ctx, w.Jobs.List(ctx, jobs.ListJobsRequest{ExpandTasks: true}))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || len(got[0].Settings.Tasks) != 3 || len(got[1].Settings.Tasks) != 150 {
		t.Fatalf("expanded jobs = %+v, want 3 and 150 tasks", got)
	}
	// One Jobs.Get for the 150-task job is two pages; none for the 3-task job.
	if n := srv.RequestCount("GET /api/2.2/jobs/get"); n != 2 {
		t.Fatalf("jobs/get requests = %d, want 2 (one Get of two pages)", n)
	}
}

// SDK quirk the emulator must reproduce, not paper over: JobsAPI.ListAll is the
// generated one and does not expand, so with expand_tasks it returns the cut
// job (100 tasks, has_more) and never calls jobs/get.
func TestJobsListAllDoesNotExpand(t *testing.T) {
	srv, w := emutest.Start(t, emulator.Options{})
	body, _ := json.Marshal(jobs.CreateJob{Name: "big", Tasks: jobsNotebookTasks(150)})
	if _, err := srv.SeedJob(body); err != nil {
		t.Fatal(err)
	}
	got, err := w.Jobs.ListAll(context.Background(), jobs.ListJobsRequest{ExpandTasks: true})
	if err != nil || len(got) != 1 || len(got[0].Settings.Tasks) != 100 || !got[0].HasMore {
		t.Fatalf("ListAll expand_tasks = %+v, %v; want one job cut at 100 tasks with has_more", got, err)
	}
	if n := srv.RequestCount("GET /api/2.2/jobs/get"); n != 0 {
		t.Fatalf("jobs/get requests = %d, want 0", n)
	}
}

// Get follows next_page_token and reassembles 250 tasks exactly; arrays that were
// complete on page 1 come back empty later, so they are not duplicated.
func TestJobsGetReassemblesPagedArrays(t *testing.T) {
	ctx := context.Background()
	srv, w := emutest.Start(t, emulator.Options{})
	spec := compute.ClusterSpec{SparkVersion: "15.4.x-scala2.12", NodeTypeId: "i3.xlarge", NumWorkers: 1}
	created, err := w.Jobs.Create(ctx, jobs.CreateJob{
		Name:        "big",
		Tasks:       jobsNotebookTasks(250),
		JobClusters: []jobs.JobCluster{{JobClusterKey: "a", NewCluster: spec}, {JobClusterKey: "b", NewCluster: spec}},
		Parameters:  []jobs.JobParameterDefinition{{Name: "env", Default: "prod"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := w.Jobs.Get(ctx, jobs.GetJobRequest{JobId: created.JobId})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Settings.Tasks) != 250 || len(got.Settings.JobClusters) != 2 || len(got.Settings.Parameters) != 1 {
		t.Fatalf("got %d tasks, %d clusters, %d params; want 250, 2, 1",
			len(got.Settings.Tasks), len(got.Settings.JobClusters), len(got.Settings.Parameters))
	}
	for i, task := range got.Settings.Tasks {
		if want := fmt.Sprintf("t%03d", i); task.TaskKey != want {
			t.Fatalf("task %d = %s, want %s", i, task.TaskKey, want)
		}
	}
	if n := srv.RequestCount("GET /api/2.2/jobs/get"); n != 3 {
		t.Fatalf("jobs/get requests = %d, want 3 pages", n)
	}
}

// A missing job is 400 INVALID_PARAMETER_VALUE "Job <id> does not exist.": the
// SDK maps it to ErrResourceDoesNotExist on Get only, not on Reset/Update/Delete.
func TestJobsMissingJob(t *testing.T) {
	ctx := context.Background()
	_, w := emutest.Start(t, emulator.Options{})
	const id = int64(9007199254740993) // 2^53+1: must survive the query string exactly
	cases := []struct {
		name     string
		call     func() error
		notFound bool
	}{
		{"get", func() error { _, err := w.Jobs.Get(ctx, jobs.GetJobRequest{JobId: id}); return err }, true},
		{"reset", func() error {
			return w.Jobs.Reset(ctx, jobs.ResetJob{JobId: id, NewSettings: jobs.JobSettings{Name: "x"}})
		}, false},
		{"update", func() error { return w.Jobs.Update(ctx, jobs.UpdateJob{JobId: id}) }, false},
		{"delete", func() error { return w.Jobs.DeleteByJobId(ctx, id) }, false},
	}
	for _, c := range cases {
		err := c.call()
		var ae *apierr.APIError
		if !errors.As(err, &ae) || ae.StatusCode != 400 || ae.Message != fmt.Sprintf("Job %d does not exist.", id) {
			t.Errorf("%s: %v, want 400 'Job %d does not exist.'", c.name, err, id)
		}
		if errors.Is(err, databricks.ErrResourceDoesNotExist) != c.notFound ||
			errors.Is(err, databricks.ErrInvalidParameterValue) == c.notFound {
			t.Errorf("%s: ErrResourceDoesNotExist = %v, want %v", c.name, !c.notFound, c.notFound)
		}
	}
}

// create returns a job_id; every read carries job_id, creator_user_name,
// run_as_user_name (creator without run_as), created_time and settings;
// access_control_list and format are not stored as settings.
func TestJobsCreateReadOnlyFields(t *testing.T) {
	ctx := context.Background()
	now := time.UnixMilli(1727355340210)
	srv, w := emutest.Start(t, emulator.Options{UserName: "creator@example.com", Now: func() time.Time { return now }})
	created, err := w.Jobs.Create(ctx, jobs.CreateJob{
		Name:              "ro",
		Format:            jobs.FormatSingleTask,
		AccessControlList: []jobs.JobAccessControlRequest{{UserName: "bob@example.com", PermissionLevel: jobs.JobPermissionLevelCanView}},
	})
	if err != nil || created.JobId == 0 {
		t.Fatalf("create: %+v, %v", created, err)
	}
	_, raw := jobsRawGet(t, srv, fmt.Sprintf("/api/2.2/jobs/get?job_id=%d", created.JobId))
	want := map[string]any{
		"job_id": json.Number(fmt.Sprint(created.JobId)), "creator_user_name": "creator@example.com",
		"run_as_user_name": "creator@example.com", "created_time": json.Number("1727355340210"),
	}
	for k, v := range want {
		if raw[k] != v {
			t.Errorf("%s = %v, want %v", k, raw[k], v)
		}
	}
	if jobsDig(raw, "settings", "access_control_list") != nil || jobsDig(raw, "settings", "format") != "MULTI_TASK" {
		t.Errorf("settings = %v, want no access_control_list and format MULTI_TASK", raw["settings"])
	}
}

// The server adds its defaults on read, zero values included on the wire, and
// drops apply_policy_default_values; depends_on comes back ordered by task_key.
func TestJobsServerDefaultsOnRead(t *testing.T) {
	srv, _ := emutest.Start(t, emulator.Options{})
	id, err := srv.SeedJob([]byte(`{"name":"d",
		"job_clusters":[{"job_cluster_key":"jc","new_cluster":{"spark_version":"15.4.x-scala2.12","num_workers":1}}],
		"tasks":[{"task_key":"a","notebook_task":{"notebook_path":"/a"},"job_cluster_key":"jc"},
		         {"task_key":"b","notebook_task":{"notebook_path":"/b"},"job_cluster_key":"jc"},
		         {"task_key":"c","depends_on":[{"task_key":"b"},{"task_key":"a"}],"notebook_task":{"notebook_path":"/c"},
		          "new_cluster":{"spark_version":"15.4.x-scala2.12","num_workers":1,"apply_policy_default_values":true}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	_, raw := jobsRawGet(t, srv, fmt.Sprintf("/api/2.2/jobs/get?job_id=%d", id))
	s := raw["settings"]
	checks := []struct {
		path []any
		want any
	}{
		{[]any{"email_notifications"}, map[string]any{}},
		{[]any{"webhook_notifications"}, map[string]any{}},
		{[]any{"timeout_seconds"}, json.Number("0")},
		{[]any{"format"}, "MULTI_TASK"},
		{[]any{"max_concurrent_runs"}, json.Number("1")},
		{[]any{"queue", "enabled"}, true},
		{[]any{"tasks", 2, "run_if"}, "ALL_SUCCESS"},
		{[]any{"tasks", 2, "email_notifications"}, map[string]any{}},
		{[]any{"tasks", 2, "timeout_seconds"}, json.Number("0")},
		{[]any{"tasks", 2, "notebook_task", "source"}, "WORKSPACE"},
		{[]any{"tasks", 2, "depends_on", 0, "task_key"}, "a"},
		{[]any{"tasks", 2, "new_cluster", "aws_attributes", "availability"}, "SPOT_WITH_FALLBACK"},
		{[]any{"tasks", 2, "new_cluster", "aws_attributes", "zone_id"}, "us-west-2a"},
		{[]any{"tasks", 2, "new_cluster", "data_security_mode"}, "SINGLE_USER"},
		{[]any{"tasks", 2, "new_cluster", "enable_elastic_disk"}, false},
		{[]any{"tasks", 2, "new_cluster", "apply_policy_default_values"}, nil},
		{[]any{"job_clusters", 0, "new_cluster", "aws_attributes", "availability"}, "SPOT_WITH_FALLBACK"},
		{[]any{"job_clusters", 0, "new_cluster", "data_security_mode"}, "SINGLE_USER"},
		{[]any{"job_clusters", 0, "new_cluster", "enable_elastic_disk"}, false},
	}
	for _, c := range checks {
		if got := jobsDig(s, c.path...); !reflect.DeepEqual(got, c.want) {
			t.Errorf("settings%v = %#v, want %#v", c.path, got, c.want)
		}
	}
}

// Values the caller set are never overwritten by server defaults; a job with
// git_source reads its notebooks from GIT.
func TestJobsDefaultsKeepCallerValues(t *testing.T) {
	ctx := context.Background()
	_, w := emutest.Start(t, emulator.Options{})
	created, err := w.Jobs.Create(ctx, jobs.CreateJob{
		Name: "mine", MaxConcurrentRuns: 5, TimeoutSeconds: 60, Queue: &jobs.QueueSettings{Enabled: false},
		GitSource: &jobs.GitSource{GitUrl: "https://github.com/a/b", GitProvider: jobs.GitProviderGitHub, GitBranch: "main"},
		Tasks: []jobs.Task{{
			TaskKey: "a", RunIf: jobs.RunIfAllDone, TimeoutSeconds: 30,
			NotebookTask: &jobs.NotebookTask{NotebookPath: "nb"},
			NewCluster: &compute.ClusterSpec{
				SparkVersion: "15.4.x-scala2.12", NumWorkers: 1, DataSecurityMode: compute.DataSecurityModeUserIsolation,
				AwsAttributes: &compute.AwsAttributes{Availability: compute.AwsAvailabilityOnDemand},
			},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := w.Jobs.GetByJobId(ctx, created.JobId)
	if err != nil {
		t.Fatal(err)
	}
	st, task := got.Settings, got.Settings.Tasks[0]
	if st.MaxConcurrentRuns != 5 || st.TimeoutSeconds != 60 || st.Queue.Enabled || task.RunIf != jobs.RunIfAllDone ||
		task.TimeoutSeconds != 30 || task.NotebookTask.Source != jobs.SourceGit ||
		task.NewCluster.DataSecurityMode != compute.DataSecurityModeUserIsolation ||
		task.NewCluster.AwsAttributes.Availability != compute.AwsAvailabilityOnDemand ||
		task.NewCluster.AwsAttributes.ZoneId == "" {
		t.Fatalf("caller values lost or defaults missing: %+v / task %+v", st, task)
	}
}

// update replaces top-level fields, merges tasks and job_clusters by key, and
// fields_to_remove drops top-level fields, tasks/<key> and job_clusters/<key>.
func TestJobsUpdateMergeAndRemove(t *testing.T) {
	ctx := context.Background()
	_, w := emutest.Start(t, emulator.Options{})
	spec := compute.ClusterSpec{SparkVersion: "15.4.x-scala2.12", NumWorkers: 1}
	tasks := jobsNotebookTasks(3) // t000, t001, t002
	tasks[1].JobClusterKey = "c2"
	created, err := w.Jobs.Create(ctx, jobs.CreateJob{
		Name: "u", Description: "old", TimeoutSeconds: 10, Tags: map[string]string{"a": "b"}, Tasks: tasks,
		JobClusters: []jobs.JobCluster{{JobClusterKey: "c1", NewCluster: spec}, {JobClusterKey: "c2", NewCluster: spec}},
	})
	if err != nil {
		t.Fatal(err)
	}
	spec.NumWorkers = 7
	err = w.Jobs.Update(ctx, jobs.UpdateJob{
		JobId: created.JobId,
		NewSettings: &jobs.JobSettings{
			Description: "new",
			Tasks: []jobs.Task{
				{TaskKey: "t000", NotebookTask: &jobs.NotebookTask{NotebookPath: "/changed"}},
				{TaskKey: "t009", NotebookTask: &jobs.NotebookTask{NotebookPath: "/added"}},
			},
			JobClusters: []jobs.JobCluster{{JobClusterKey: "c1", NewCluster: spec}},
		},
		FieldsToRemove: []string{"tags", "tasks/t001", "job_clusters/c2"},
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := w.Jobs.GetByJobId(ctx, created.JobId)
	if err != nil {
		t.Fatal(err)
	}
	st := got.Settings
	var keys []string
	for _, task := range st.Tasks {
		keys = append(keys, task.TaskKey+"="+task.NotebookTask.NotebookPath)
	}
	if st.Name != "u" || st.Description != "new" || st.TimeoutSeconds != 10 || st.Tags != nil ||
		!reflect.DeepEqual(keys, []string{"t000=/changed", "t002=/Shared/nb002", "t009=/added"}) ||
		len(st.JobClusters) != 1 || st.JobClusters[0].NewCluster.NumWorkers != 7 {
		t.Fatalf("after update: %+v tasks %v", st, keys)
	}
}

// etlSP is the applicationId of a service principal of the default catalog.
const etlSP = "6e5c6f0a-7a0e-4d52-9c1e-2f3b8a9d0c11"

// reset replaces all settings, but omitting run_as keeps the previous identity.
func TestJobsResetKeepsRunAs(t *testing.T) {
	ctx := context.Background()
	_, w := emutest.Start(t, emulator.Options{})
	created, err := w.Jobs.Create(ctx, jobs.CreateJob{
		Name: "r", Description: "gone after reset", RunAs: &jobs.JobRunAs{ServicePrincipalName: etlSP},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Jobs.Reset(ctx, jobs.ResetJob{JobId: created.JobId, NewSettings: jobs.JobSettings{Name: "r2"}}); err != nil {
		t.Fatal(err)
	}
	got, err := w.Jobs.GetByJobId(ctx, created.JobId)
	if err != nil {
		t.Fatal(err)
	}
	if got.Settings.Name != "r2" || got.Settings.Description != "" || got.Settings.RunAs == nil ||
		got.Settings.RunAs.ServicePrincipalName != etlSP || got.RunAsUserName != etlSP {
		t.Fatalf("after reset: %+v run_as %+v run_as_user_name %q", got.Settings, got.Settings.RunAs, got.RunAsUserName)
	}
}

// Invalid settings are 400 INVALID_PARAMETER_VALUE with a message naming the
// problem, on create, reset and on the result of an update.
func TestJobsValidation(t *testing.T) {
	ctx := context.Background()
	_, w := emutest.Start(t, emulator.Options{RateLimits: map[string]float64{}})
	spec := compute.ClusterSpec{SparkVersion: "15.4.x-scala2.12", NumWorkers: 1}
	tags := map[string]string{}
	for i := range 26 {
		tags[fmt.Sprint("k", i)] = "v"
	}
	cases := []struct {
		name string
		job  jobs.CreateJob
		want string
	}{
		{"missing task_key", jobs.CreateJob{Tasks: []jobs.Task{{NotebookTask: &jobs.NotebookTask{NotebookPath: "/a"}}}}, "task_key is required"},
		{"duplicate task_key", jobs.CreateJob{Tasks: []jobs.Task{{TaskKey: "a"}, {TaskKey: "a"}}}, `Duplicate task_key "a"`},
		{"too many tasks", jobs.CreateJob{Tasks: jobsNotebookTasks(1001)}, "at most 1000 tasks"},
		{"schedule and continuous", jobs.CreateJob{
			Schedule:   &jobs.CronSchedule{QuartzCronExpression: "0 0 * * * ?", TimezoneId: "UTC"},
			Continuous: &jobs.Continuous{PauseStatus: jobs.PauseStatusPaused},
		}, "Only one of schedule and continuous"},
		{"too many tags", jobs.CreateJob{Tags: tags}, "at most 25 tags"},
		{"unknown dependency", jobs.CreateJob{Tasks: []jobs.Task{{TaskKey: "a", DependsOn: []jobs.TaskDependency{{TaskKey: "zz"}}}}}, `depends on task "zz"`},
		{"unknown job cluster", jobs.CreateJob{Tasks: []jobs.Task{{TaskKey: "a", JobClusterKey: "nope"}}}, `job cluster "nope"`},
		{"duplicate job cluster", jobs.CreateJob{JobClusters: []jobs.JobCluster{{JobClusterKey: "c", NewCluster: spec}, {JobClusterKey: "c", NewCluster: spec}}}, `Duplicate job_cluster_key "c"`},
	}
	for _, c := range cases {
		_, err := w.Jobs.Create(ctx, c.job)
		if !errors.Is(err, databricks.ErrInvalidParameterValue) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want INVALID_PARAMETER_VALUE containing %q", c.name, err, c.want)
		}
	}
	created, err := w.Jobs.Create(ctx, jobs.CreateJob{Tasks: []jobs.Task{{TaskKey: "a"}, {TaskKey: "b", DependsOn: []jobs.TaskDependency{{TaskKey: "a"}}}}})
	if err != nil {
		t.Fatal(err)
	}
	err = w.Jobs.Update(ctx, jobs.UpdateJob{JobId: created.JobId, FieldsToRemove: []string{"tasks/a"}})
	if !errors.Is(err, databricks.ErrInvalidParameterValue) || !strings.Contains(err.Error(), `depends on task "a"`) {
		t.Errorf("update removing a dependency: %v, want INVALID_PARAMETER_VALUE", err)
	}
	err = w.Jobs.Reset(ctx, jobs.ResetJob{JobId: created.JobId, NewSettings: jobs.JobSettings{Tags: tags}})
	if !errors.Is(err, databricks.ErrInvalidParameterValue) {
		t.Errorf("reset with 26 tags: %v, want INVALID_PARAMETER_VALUE", err)
	}
}

// The reference sample decodes into jobs.Job, and a job created from its
// settings reads back with the same settings (defaults included).
func TestJobsSampleRoundTrip(t *testing.T) {
	ctx := context.Background()
	var sample jobs.Job
	if err := json.Unmarshal(readSample(t, "jobs-get.json"), &sample); err != nil {
		t.Fatalf("sample does not decode into jobs.Job: %v", err)
	}
	var create jobs.CreateJob
	settingsJSON, _ := json.Marshal(sample.Settings)
	_, w := emutest.Start(t, emulator.Options{})
	// The captured job names a cluster, pool and policy of its workspace:
	// point them at this workspace's own, as create refuses unknown ones.
	settingsJSON = jobsLocalRefs(t, w, settingsJSON, "0926-131212-k8f3x2qa", "0926-120001-pool7-pool-a1b2c3d4", "E06216CAA0000360")
	if err := json.Unmarshal(settingsJSON, &create); err != nil {
		t.Fatal(err)
	}
	created, err := w.Jobs.Create(ctx, create)
	if err != nil {
		t.Fatal(err)
	}
	got, err := w.Jobs.GetByJobId(ctx, created.JobId)
	if err != nil {
		t.Fatal(err)
	}
	gotJSON, _ := json.Marshal(got.Settings)
	if !bytes.Equal(gotJSON, settingsJSON) {
		t.Fatalf("round trip differs:\n got %s\nwant %s", gotJSON, settingsJSON)
	}
	if got.RunAsUserName != sample.RunAsUserName {
		t.Fatalf("run_as_user_name = %q, want %q", got.RunAsUserName, sample.RunAsUserName)
	}
}

// int64 ids beyond 2^53 inside settings survive storage and reads exactly.
func TestJobsInt64BeyondFloatPrecision(t *testing.T) {
	ctx := context.Background()
	srv, w := emutest.Start(t, emulator.Options{})
	const big = int64(1<<53 + 1)
	created, err := w.Jobs.Create(ctx, jobs.CreateJob{Tasks: []jobs.Task{{TaskKey: "run", RunJobTask: &jobs.RunJobTask{JobId: big}}}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := w.Jobs.GetByJobId(ctx, created.JobId)
	if err != nil || got.Settings.Tasks[0].RunJobTask.JobId != big {
		t.Fatalf("run_job_task.job_id = %+v, %v; want %d", got.Settings.Tasks[0].RunJobTask, err, big)
	}
	_, raw := jobsRawGet(t, srv, fmt.Sprintf("/api/2.2/jobs/get?job_id=%d", created.JobId))
	if v := jobsDig(raw, "settings", "tasks", 0, "run_job_task", "job_id"); v != json.Number(fmt.Sprint(big)) {
		t.Fatalf("wire job_id = %v, want %d", v, big)
	}
}

// SeedJob validates like create; JobCount follows creates and deletes, and a
// deleted job is gone from get and list.
func TestJobsSeedAndCount(t *testing.T) {
	ctx := context.Background()
	srv, w := emutest.Start(t, emulator.Options{})
	if _, err := srv.SeedJob([]byte(`{"tasks":[{"task_key":"a"},{"task_key":"a"}]}`)); err == nil {
		t.Fatal("SeedJob accepted duplicate task keys")
	}
	if _, err := srv.SeedJob([]byte(`{"tasks":"nope"}`)); err == nil {
		t.Fatal("SeedJob accepted a wrongly typed tasks field")
	}
	ids := jobsSeed(t, srv, 2, "job")
	if n := srv.JobCount(); n != 2 {
		t.Fatalf("JobCount = %d, want 2", n)
	}
	if err := w.Jobs.DeleteByJobId(ctx, ids[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Jobs.GetByJobId(ctx, ids[0]); !errors.Is(err, databricks.ErrResourceDoesNotExist) {
		t.Fatalf("get after delete: %v", err)
	}
	all, err := w.Jobs.ListAll(ctx, jobs.ListJobsRequest{})
	if err != nil || srv.JobCount() != 1 || !reflect.DeepEqual(jobsIDs(all), ids[1:]) {
		t.Fatalf("after delete: count %d, list %v, %v", srv.JobCount(), jobsIDs(all), err)
	}
}

// jobsLocalRefs replaces a cluster, pool and policy id in settings JSON with
// those of a cluster, pool and policy made in w.
func jobsLocalRefs(t *testing.T, w *databricks.WorkspaceClient, settings []byte, cluster, pool, policy string) []byte {
	t.Helper()
	ctx := context.Background()
	c, err := w.Clusters.Create(ctx, compute.CreateCluster{SparkVersion: "15.4.x-scala2.12", NodeTypeId: "i3.xlarge", NumWorkers: 1})
	if err != nil {
		t.Fatal(err)
	}
	p, err := w.InstancePools.Create(ctx, compute.CreateInstancePool{InstancePoolName: "p", NodeTypeId: "i3.xlarge"})
	if err != nil {
		t.Fatal(err)
	}
	pol, err := w.ClusterPolicies.Create(ctx, compute.CreatePolicy{Name: "pol", Definition: "{}"})
	if err != nil {
		t.Fatal(err)
	}
	out := bytes.ReplaceAll(settings, []byte(cluster), []byte(c.ClusterId))
	out = bytes.ReplaceAll(out, []byte(pool), []byte(p.InstancePoolId))
	return bytes.ReplaceAll(out, []byte(policy), []byte(pol.PolicyId))
}
