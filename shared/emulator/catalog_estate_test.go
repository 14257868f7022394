package emulator_test

import (
	"context"
	"testing"

	"github.com/databricks/databricks-sdk-go/service/jobs"

	"github.com/drsync/drsync/shared/emulator"
	"github.com/drsync/drsync/shared/emulator/emutest"
)

// The sample's orders-reporting job names the seeded warehouse, pipeline and
// destinations by id, substituted at seed time.
func TestEstateSampleReferencesCatalogObjects(t *testing.T) {
	srv, w, rep := seedEstate(t, emulator.SampleEstate())
	job, err := w.Jobs.GetByJobId(context.Background(), rep.JobID("orders-reporting"))
	if err != nil {
		t.Fatal(err)
	}
	tasks := map[string]jobs.Task{}
	for _, task := range job.Settings.Tasks {
		tasks[task.TaskKey] = task
	}
	wh, pipes := srv.WarehouseIDs(), srv.PipelineIDs()
	if tasks["refresh_orders"].PipelineTask.PipelineId != pipes["orders-live"] ||
		tasks["create_tables"].SqlTask.WarehouseId != wh["etl-wh"] ||
		tasks["finance_report"].NotebookTask.WarehouseId != wh["analytics-wh"] ||
		job.Settings.WebhookNotifications.OnFailure[0].Id != rep.IDs["destination:data-eng-oncall-webhook"] {
		t.Fatalf("job = %+v; ids %v %v %v", job.Settings, wh, pipes, rep.IDs)
	}
}

// The DR estate on a DR catalog: same names, other ids, one warehouse fewer.
func TestEstateDRDiffersFromPrimary(t *testing.T) {
	primary, _, prep := seedEstate(t, emulator.SampleEstate())
	dr, _ := emutest.Start(t, emulator.Options{Catalog: emulator.RegionCatalog("us-east-1")})
	drep, err := dr.Seed(emulator.DREstate())
	if err != nil {
		t.Fatalf("seed DR: %v", err)
	}
	pw, dw := primary.WarehouseIDs(), dr.WarehouseIDs()
	if len(dw) != len(pw)-1 || dw["adhoc-wh"] != "" || dw["etl-wh"] == "" || dw["etl-wh"] == pw["etl-wh"] {
		t.Fatalf("warehouses primary %v, DR %v", pw, dw)
	}
	if dr.PipelineIDs()["orders-live"] == primary.PipelineIDs()["orders-live"] || dr.PipelineIDs()["orders-live"] == "" {
		t.Fatalf("pipelines primary %v, DR %v", primary.PipelineIDs(), dr.PipelineIDs())
	}
	for _, k := range []string{"destination:data-eng-oncall-webhook", "destination:finance-email"} {
		if drep.IDs[k] == "" || drep.IDs[k] == prep.IDs[k] {
			t.Fatalf("%s: primary %q, DR %q", k, prep.IDs[k], drep.IDs[k])
		}
	}
}

// WithoutJobs drops the named jobs from a copy.
func TestEstateWithoutJobs(t *testing.T) {
	full := emulator.SampleEstate()
	cut := full.WithoutJobs(emulator.SampleCatalogJob)
	if len(cut.Jobs) != len(full.Jobs)-1 || len(full.Jobs) != 6 {
		t.Fatalf("jobs %d → %d", len(full.Jobs), len(cut.Jobs))
	}
	if _, _, rep := seedEstate(t, cut); rep.JobID(emulator.SampleCatalogJob) != 0 || rep.Jobs != 5 {
		t.Fatalf("seeded %s", rep)
	}
}
