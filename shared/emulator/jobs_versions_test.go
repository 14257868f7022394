package emulator_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/databricks/databricks-sdk-go"
	"github.com/databricks/databricks-sdk-go/apierr"
	"github.com/databricks/databricks-sdk-go/service/compute"
	"github.com/databricks/databricks-sdk-go/service/jobs"

	"github.com/drsync/drsync/shared/emulator"
	"github.com/drsync/drsync/shared/emulator/emutest"
)

// Jobs API 2.1 is served with its own shape: jobs/get returns arrays whole
// (2.2 pages them at 100), and jobs created through 2.1 do not queue by
// default (those created through 2.2 do).
func TestJobsAPI21(t *testing.T) {
	_, w := emutest.Start(t, emulator.Options{})
	ctx := context.Background()
	api := rawClient(t, w)
	tasks := make([]jobs.Task, 150)
	for i := range tasks {
		tasks[i] = jobs.Task{TaskKey: fmt.Sprintf("t%03d", i), NotebookTask: &jobs.NotebookTask{NotebookPath: "/Shared/nb"}}
	}
	var created jobs.CreateResponse
	if err := api.Do(ctx, http.MethodPost, "/api/2.1/jobs/create", nil, nil, jobs.CreateJob{Name: "old-client", Tasks: tasks}, &created); err != nil {
		t.Fatal(err)
	}
	var got jobs.Job
	if err := api.Do(ctx, http.MethodGet, "/api/2.1/jobs/get", nil, map[string]any{"job_id": created.JobId}, nil, &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Settings.Tasks) != 150 || got.NextPageToken != "" || got.Settings.Queue != nil {
		t.Fatalf("2.1 get: %d tasks, token %q, queue %+v; want 150, none, none", len(got.Settings.Tasks), got.NextPageToken, got.Settings.Queue)
	}
	newer, err := w.Jobs.Create(ctx, jobs.CreateJob{Name: "new-client"})
	if err != nil {
		t.Fatal(err)
	}
	if j, err := w.Jobs.GetByJobId(ctx, newer.JobId); err != nil || j.Settings.Queue == nil || !j.Settings.Queue.Enabled {
		t.Fatalf("a job created through 2.2 reads queue %+v, %v; want enabled", j.Settings.Queue, err)
	}
}

// An invalid quartz_cron_expression is refused with the service's message;
// valid Quartz expressions pass.
func TestJobsInvalidCronRefused(t *testing.T) {
	_, w := emutest.Start(t, emulator.Options{RateLimits: map[string]float64{}})
	ctx := context.Background()
	create := func(expr string) error {
		_, err := w.Jobs.Create(ctx, jobs.CreateJob{Name: "cron", Schedule: &jobs.CronSchedule{QuartzCronExpression: expr, TimezoneId: "UTC"}})
		return err
	}
	for _, expr := range []string{"0 30 2,7,11,15 * * *", "0 2 * * *", "@daily", "0 0 25 * * ?", "0 0 12 ? * MON-FRI 1900", "0 0 12 ? ? *", "0 61 * * * ?"} {
		err := create(expr)
		var ae *apierr.APIError
		if !errors.Is(err, databricks.ErrInvalidParameterValue) || !errors.As(err, &ae) ||
			!strings.HasPrefix(ae.Message, "Invalid quartz_cron_expression: "+expr+". Databricks uses Quartz cron syntax") {
			t.Errorf("%q: err = %v, want INVALID_PARAMETER_VALUE Invalid quartz_cron_expression", expr, err)
		}
	}
	for _, expr := range []string{"0 0 2 * * ?", "0 15 10 ? * MON-FRI", "0 0/5 14,18 * * ?", "0 0 12 L * ?", "0 0 12 ? * 6#3 2030", "0 0 12 15W * ?", "0 0 0 ? JAN-MAR SUN"} {
		if err := create(expr); err != nil {
			t.Errorf("%q: %v, want accepted", expr, err)
		}
	}
}

// A task that runs code needs compute (a cluster or a serverless environment);
// without it the job is refused. A notebook task alone runs serverless.
func TestJobsTaskWithoutComputeRefused(t *testing.T) {
	_, w := emutest.Start(t, emulator.Options{RateLimits: map[string]float64{}})
	ctx := context.Background()
	python := &jobs.SparkPythonTask{PythonFile: "/Shared/etl/run.py"}
	_, err := w.Jobs.Create(ctx, jobs.CreateJob{Name: "no-compute", Tasks: []jobs.Task{{TaskKey: "py", SparkPythonTask: python}}})
	if !errors.Is(err, databricks.ErrInvalidParameterValue) || !strings.Contains(err.Error(), "must be specified for task py") {
		t.Fatalf("task without compute: %v, want INVALID_PARAMETER_VALUE", err)
	}
	cluster, err := w.Clusters.Create(ctx, compute.CreateCluster{SparkVersion: "15.4.x-scala2.12", NodeTypeId: "i3.xlarge", NumWorkers: 1})
	if err != nil {
		t.Fatal(err)
	}
	ok := []jobs.CreateJob{
		{Name: "serverless", Environments: []jobs.JobEnvironment{{EnvironmentKey: "default"}},
			Tasks: []jobs.Task{{TaskKey: "py", SparkPythonTask: python, EnvironmentKey: "default"}}},
		{Name: "cluster", Tasks: []jobs.Task{{TaskKey: "py", SparkPythonTask: python, ExistingClusterId: cluster.ClusterId}}},
		{Name: "notebook", Tasks: []jobs.Task{{TaskKey: "nb", NotebookTask: &jobs.NotebookTask{NotebookPath: "/Shared/nb"}}}},
	}
	for _, j := range ok {
		if _, err := w.Jobs.Create(ctx, j); err != nil {
			t.Errorf("%s: %v", j.Name, err)
		}
	}
	_, err = w.Jobs.Create(ctx, jobs.CreateJob{Name: "bad-env", Tasks: []jobs.Task{{TaskKey: "py", SparkPythonTask: python, EnvironmentKey: "nope"}}})
	if !errors.Is(err, databricks.ErrInvalidParameterValue) {
		t.Fatalf("undefined environment_key: %v, want INVALID_PARAMETER_VALUE", err)
	}
}
