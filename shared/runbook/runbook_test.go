package runbook_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/databricks/databricks-sdk-go"
	"github.com/databricks/databricks-sdk-go/service/compute"
	"github.com/databricks/databricks-sdk-go/service/jobs"

	"github.com/drsync/drsync/shared/config"
	"github.com/drsync/drsync/shared/connect"
	"github.com/drsync/drsync/shared/emulator"
	"github.com/drsync/drsync/shared/emulator/emutest"
	"github.com/drsync/drsync/shared/engine"
	"github.com/drsync/drsync/shared/ledger"
	"github.com/drsync/drsync/shared/ledger/bolt"
	"github.com/drsync/drsync/shared/resource"
	"github.com/drsync/drsync/shared/runbook"
)

// pair is a primary seeded with the sample estate (one job paused), an
// empty DR, a ledger, and the runbook's deps over them.
type pair struct {
	t           *testing.T
	primary, dr *emulator.Server
	primW, drW  *databricks.WorkspaceClient
	store       ledger.Store
	cfg         *config.Config
	deps        *runbook.Deps
	seed        emulator.SeedReport
	notified    []string
}

func newPair(t *testing.T) *pair {
	t.Helper()
	primary, primW := emutest.Start(t, emulator.Options{Seed: 71, WorkspaceID: 7101})
	dr, drW := emutest.Start(t, emulator.Options{Seed: 72, WorkspaceID: 7202})
	// drsync does not copy warehouses, pipelines or notification destinations
	// yet: the sample's job naming them would be refused by the empty target.
	rep, err := primary.Seed(emulator.SampleEstate().WithoutJobs(emulator.SampleCatalogJob))
	if err != nil {
		t.Fatal(err)
	}
	store, err := bolt.Open(filepath.Join(t.TempDir(), "ledger.db"), bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	cfg := config.Default()
	cfg.Pair = "p"
	cfg.Failover.FenceWait = config.Duration{Duration: 10 * time.Second}
	p := &pair{t: t, primary: primary, dr: dr, primW: primW, drW: drW, store: store, cfg: cfg, seed: rep}
	p.deps = &runbook.Deps{
		Config: cfg, Store: store, Where: "test",
		Primary: emutest.Workspace(t, primary, "source"), DR: emutest.Workspace(t, dr, "target"),
		Notify: func(_ context.Context, subject, _ string) error {
			p.notified = append(p.notified, subject)
			return nil
		},
		LeaseTTL: 2 * time.Second, Poll: 20 * time.Millisecond, Probe: 2 * time.Second,
	}
	p.setPause("churn-model-weekly", jobs.PauseStatusPaused)
	return p
}

// setPause sets the schedule pause status of a primary job.
func (p *pair) setPause(name string, s jobs.PauseStatus) {
	p.t.Helper()
	id := p.jobID(p.primW, name)
	j, err := p.primW.Jobs.GetByJobId(context.Background(), id)
	if err != nil {
		p.t.Fatal(err)
	}
	sched := *j.Settings.Schedule
	sched.PauseStatus = s
	if err := p.primW.Jobs.Update(context.Background(), jobs.UpdateJob{JobId: id, NewSettings: &jobs.JobSettings{Schedule: &sched}}); err != nil {
		p.t.Fatal(err)
	}
}

func (p *pair) jobID(w *databricks.WorkspaceClient, name string) int64 {
	p.t.Helper()
	all, err := w.Jobs.ListAll(context.Background(), jobs.ListJobsRequest{Name: name})
	if err != nil || len(all) != 1 {
		p.t.Fatalf("job %s: %d found, %v", name, len(all), err)
	}
	return all[0].JobId
}

// sync runs a sync the given way with the config's options.
func (p *pair) sync(reverse bool) *engine.Result {
	p.t.Helper()
	opts, err := engine.OptionsFor(p.cfg)
	if err != nil {
		p.t.Fatal(err)
	}
	src, tgt := p.deps.Primary, p.deps.DR
	if reverse {
		opts, src, tgt = opts.Reversed(), p.deps.DR, p.deps.Primary
	}
	opts.Pair, opts.RunID = p.cfg.Pair, "sync-"+time.Now().Format("150405.000000")
	res, err := engine.Sync(context.Background(), src, tgt, p.store, opts)
	if err != nil {
		p.t.Fatalf("sync (reverse %v): %v", reverse, err)
	}
	if s := res.Plan.Summary(); s.Failed > 0 {
		p.t.Fatalf("sync (reverse %v): %d failed", reverse, s.Failed)
	}
	return res
}

// pauses maps each job of w to its pause statuses.
func (p *pair) pauses(w *databricks.WorkspaceClient) map[string]string {
	p.t.Helper()
	return emutest.JobPauses(p.t, w)
}

func (p *pair) run(in runbook.Input) (*runbook.State, error) {
	p.t.Helper()
	st, err := p.deps.Begin(in, "")
	if err != nil {
		p.t.Fatal(err)
	}
	return st, p.deps.Run(context.Background(), st)
}

// The failover makes DR active with exactly the primary's job statuses (the
// paused job stays paused), the pools' idle instances back, the primary's
// schedules stopped, the epoch moved on, and the whole recorded and notified.
func TestFailoverActivatesExactlyWhatRanInThePrimary(t *testing.T) {
	p := newPair(t)
	p.sync(false)
	want := p.pauses(p.primW)
	if got := p.pauses(p.drW); strings.Contains(strings.Join(slices.Collect(maps.Values(got)), ","), "UNPAUSED") {
		t.Fatalf("DR jobs not paused after the sync: %v", got)
	}
	st, err := p.run(runbook.Input{Direction: runbook.Failover})
	if err != nil {
		t.Fatalf("failover: %v\n%+v", err, st.Steps)
	}
	if got := p.pauses(p.drW); !maps.Equal(got, want) {
		t.Errorf("DR jobs after failover =\n%v\nwant the primary's\n%v", got, want)
	}
	for name, s := range p.pauses(p.primW) {
		if strings.Contains(s, "UNPAUSED") {
			t.Errorf("primary job %s still runs after the freeze: %s", name, s)
		}
	}
	pools, _ := p.drW.InstancePools.ListAll(context.Background())
	for _, pl := range pools {
		if pl.InstancePoolName == "general-i3-xlarge" && pl.MinIdleInstances != 1 {
			t.Errorf("pool %s min idle %d, want 1 restored", pl.InstancePoolName, pl.MinIdleInstances)
		}
	}
	state, _ := p.store.State(context.Background(), "p")
	if state.ActiveSide != "dr" || state.Epoch != 1 || st.Epoch != 1 || len(st.Diffs) != 0 {
		t.Errorf("after failover: state %+v, run epoch %d, diffs %v", state, st.Epoch, st.Diffs)
	}
	if rec := p.record(runbook.Failover); len(rec.Detail) == 0 {
		t.Errorf("the failover record has no step detail: %+v", rec)
	}
	if len(p.notified) != 1 || !strings.Contains(p.notified[0], "failover of p: done") {
		t.Errorf("notifications = %v", p.notified)
	}
}

// A primary that does not answer (the outage) skips the freeze and the final
// sync; the failover completes from what the last sync copied.
func TestFailoverWithThePrimaryDown(t *testing.T) {
	p := newPair(t)
	p.sync(false)
	want := p.pauses(p.primW)
	if err := p.primary.Close(); err != nil {
		t.Fatal(err)
	}
	st, err := p.run(runbook.Input{Direction: runbook.Failover})
	if err != nil {
		t.Fatalf("failover with the primary down: %v\n%+v", err, st.Steps)
	}
	for _, s := range st.Steps {
		if (s.Name == runbook.StepFreeze || s.Name == runbook.StepFinalSync) && s.Outcome != runbook.OutcomeSkipped {
			t.Errorf("%s: %s, want skipped", s.Name, s.Outcome)
		}
	}
	if got := p.pauses(p.drW); !maps.Equal(got, want) {
		t.Errorf("DR jobs =\n%v\nwant\n%v", got, want)
	}
}

// A standby whose copy is stale is not ready: the run stops at readiness,
// changes nothing, and is recorded as failed; forced, it goes on.
func TestReadinessStopsAStaleStandby(t *testing.T) {
	p := newPair(t)
	p.sync(false)
	p.cfg.Failover.MaxSyncAge = config.Duration{Duration: time.Nanosecond}
	st, err := p.run(runbook.Input{Direction: runbook.Failover})
	var nr *runbook.NotReadyError
	if !errors.As(err, &nr) || st.Ran(runbook.StepFence) {
		t.Fatalf("err = %v, steps %+v; want NotReadyError before any switch", err, st.Steps)
	}
	if state, _ := p.store.State(context.Background(), "p"); state.ActiveSide != "primary" || state.Epoch != 0 {
		t.Errorf("state after a refused failover = %+v", state)
	}
	if st, err = p.run(runbook.Input{Direction: runbook.Failover, Force: true}); err != nil {
		t.Fatalf("forced: %v\n%+v", err, st.Steps)
	}
}

// After the fence, a sync that started under the old epoch writes nothing:
// not one call reaches a workspace once the epoch has moved on.
func TestFenceStopsARunningSync(t *testing.T) {
	p := newPair(t)
	p.sync(false)
	writes := &writeLog{}
	client, err := connect.Workspace(context.Background(), "target", config.Endpoint{Host: p.dr.URL()}, connect.Options{
		Credentials: connect.Credentials{Token: p.dr.Token()}, Transport: writes, RetryTimeout: 20 * time.Second,
		RateLimitPerSecond: 10000,
	})
	if err != nil {
		t.Fatal(err)
	}
	// A long sync: twenty jobs new in the primary, slow DR writes. It is
	// still writing when the runbook asks it to stop.
	for i := range 20 {
		if _, err := p.primW.Jobs.Create(context.Background(), jobs.CreateJob{Name: fmt.Sprintf("new-%02d", i),
			Tasks: []jobs.Task{{TaskKey: "t", NotebookTask: &jobs.NotebookTask{NotebookPath: "/Shared/etl/ingest_orders"},
				NewCluster: &compute.ClusterSpec{SparkVersion: "15.4.x-scala2.12", NodeTypeId: "i3.xlarge", NumWorkers: 1}}}}); err != nil {
			t.Fatal(err)
		}
	}
	p.dr.SetLatency(300 * time.Millisecond)
	opts, _ := engine.OptionsFor(p.cfg)
	opts.Pair, opts.RunID, opts.LeaseTTL, opts.Concurrency = "p", "old-sync", 2*time.Second, 1
	done := make(chan error, 1)
	go func() {
		_, err := engine.Sync(context.Background(), p.deps.Primary, resource.Workspace{Side: "target", API: client}, p.store, opts)
		done <- err
	}()
	for writes.count() == 0 { // the old sync is writing; it has more to write
		select {
		case err := <-done:
			t.Fatalf("the old sync ended before it wrote: %v", err)
		case <-time.After(5 * time.Millisecond):
		}
	}
	go func() { // DR is slow only until the runbook has asked runs to stop
		for {
			if s, err := p.store.State(context.Background(), "p"); err != nil || s.StopBy != "" {
				p.dr.SetLatency(0)
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	st, err := p.run(runbook.Input{Direction: runbook.Failover, Force: true})
	if err != nil {
		t.Fatalf("failover: %v\n%+v", err, st.Steps)
	}
	fenced := fenceTime(t, p)
	if err := <-done; err == nil {
		t.Error("the old sync ended without an error after the fence")
	}
	if late := writes.after(fenced); late > 0 {
		t.Errorf("%d writes of the old sync reached DR after the fence", late)
	}
}

// Failback brings the primary up to date (a job made in DR during the
// outage), makes it active again with DR's statuses, pauses DR again, and
// restores the original direction: the next forward sync copies nothing
// twice.
func TestFailbackRestoresTheOriginalDirection(t *testing.T) {
	p := newPair(t)
	p.sync(false)
	if _, err := p.run(runbook.Input{Direction: runbook.Failover}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	made, err := p.drW.Jobs.Create(ctx, jobs.CreateJob{Name: "made-in-dr",
		Schedule: &jobs.CronSchedule{QuartzCronExpression: "0 0 6 * * ?", TimezoneId: "UTC", PauseStatus: jobs.PauseStatusUnpaused},
		Tasks: []jobs.Task{{TaskKey: "t", NotebookTask: &jobs.NotebookTask{NotebookPath: "/Shared/etl/ingest_orders"},
			ExistingClusterId: p.drClusterID("shared-analytics")}}})
	if err != nil {
		t.Fatal(err)
	}
	p.sync(true) // the reverse sync that prepares the failback
	drBefore := p.pauses(p.drW)
	st, err := p.run(runbook.Input{Direction: runbook.Failback})
	if err != nil {
		t.Fatalf("failback: %v\n%+v", err, st.Steps)
	}
	if got := p.pauses(p.primW); !maps.Equal(got, drBefore) {
		t.Errorf("primary jobs after failback =\n%v\nwant DR's\n%v", got, drBefore)
	}
	for name, s := range p.pauses(p.drW) {
		if strings.Contains(s, "UNPAUSED") {
			t.Errorf("DR job %s runs after failback: %s", name, s)
		}
	}
	state, _ := p.store.State(ctx, "p")
	if state.ActiveSide != "primary" || state.Epoch != 2 {
		t.Errorf("state after failback = %+v", state)
	}
	res := p.sync(false)
	if s := res.Plan.Summary(); s.Create != 0 {
		t.Errorf("the first forward sync after failback created %d objects (duplicates):\n%+v", s.Create, res.Plan.Actions)
	}
	if n := len(p.jobsNamed(p.drW, "made-in-dr")); n != 1 || made.JobId == 0 {
		t.Errorf("DR has %d jobs made-in-dr, want 1", n)
	}
}

func (p *pair) jobsNamed(w *databricks.WorkspaceClient, name string) []jobs.BaseJob {
	all, _ := w.Jobs.ListAll(context.Background(), jobs.ListJobsRequest{Name: name})
	return all
}

func (p *pair) drClusterID(name string) string {
	p.t.Helper()
	all, err := p.drW.Clusters.ListAll(context.Background(), compute.ListClustersRequest{})
	if err != nil {
		p.t.Fatal(err)
	}
	for _, c := range all {
		if c.ClusterName == name {
			return c.ClusterId
		}
	}
	p.t.Fatalf("no DR cluster %s", name)
	return ""
}

// record is the newest ledger run of the runbook going the given way.
func (p *pair) record(trigger string) ledger.Run {
	p.t.Helper()
	runs, err := p.store.Runs(context.Background(), "p", 20)
	if err != nil {
		p.t.Fatal(err)
	}
	for _, r := range runs {
		if r.Trigger == trigger {
			return r
		}
	}
	p.t.Fatalf("no %s record in the ledger: %+v", trigger, runs)
	return ledger.Run{}
}

// fenceTime is when the Fence step finished, from the pair state's change.
func fenceTime(t *testing.T, p *pair) time.Time {
	t.Helper()
	var st runbook.State
	if err := json.Unmarshal(p.record(runbook.Failover).Detail, &st); err != nil {
		t.Fatal(err)
	}
	for _, s := range st.Steps {
		if s.Name == runbook.StepFence {
			return s.Started.Add(time.Duration(s.DurationMS) * time.Millisecond)
		}
	}
	t.Fatal("no Fence step in the record")
	return time.Time{}
}

// writeLog records when each POST left for a workspace.
type writeLog struct {
	mu    sync.Mutex
	times []time.Time
}

func (w *writeLog) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method == http.MethodPost {
		w.mu.Lock()
		w.times = append(w.times, time.Now())
		w.mu.Unlock()
	}
	return http.DefaultTransport.RoundTrip(req)
}

func (w *writeLog) count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.times)
}

func (w *writeLog) after(t time.Time) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for _, x := range w.times {
		if x.After(t) {
			n++
		}
	}
	return n
}

// Readiness changes nothing and says why a standby is not ready: before the
// first sync every kind has never been copied; after it the standby is
// ready, and the text says so with each kind's age.
func TestReadinessReport(t *testing.T) {
	p := newPair(t)
	ctx := context.Background()
	before, err := p.deps.Readiness(ctx, runbook.Failover)
	if err != nil {
		t.Fatal(err)
	}
	var text strings.Builder
	if err := before.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if before.Ready || !strings.HasPrefix(text.String(), "NOT READY") || !strings.Contains(text.String(), "job  ") ||
		!strings.Contains(text.String(), "never") {
		t.Errorf("before any sync:\n%s", text.String())
	}
	p.sync(false)
	after, err := p.deps.Readiness(ctx, runbook.Failover)
	if err != nil || !after.Ready || len(after.Kinds) == 0 {
		t.Fatalf("after a sync: %+v, %v", after, err)
	}
	text.Reset()
	_ = after.WriteText(&text)
	if !strings.HasPrefix(text.String(), "READY") || !strings.Contains(text.String(), "where: test") {
		t.Errorf("after a sync:\n%s", text.String())
	}
	if back, err := p.deps.Readiness(ctx, runbook.Failback); err != nil || back.Ready {
		t.Errorf("failback readiness of a pair never failed over: %+v, %v", back, err)
	}
	if state, _ := p.store.State(ctx, "p"); state.Epoch != 0 || state.StopBy != "" || state.LeaseHolder != "" {
		t.Errorf("readiness changed the pair: %+v", state)
	}
}

// A Fence retried by the state machine after its switch committed (the
// answer lost) finds the switch done, not fenced; a second failover from
// the same epoch is fenced.
func TestFenceRetriedAfterItCommitted(t *testing.T) {
	p := newPair(t)
	p.sync(false)
	ctx := context.Background()
	st, err := p.deps.Begin(runbook.Input{Direction: runbook.Failover}, "exec-1")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range runbook.Steps[:slices.Index(runbook.Steps, runbook.StepFence)] {
		st.Step = name
		if err := p.deps.Step(ctx, st); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	before, _ := json.Marshal(st) // what the state machine retries with
	st.Step = runbook.StepFence
	if err := p.deps.Step(ctx, st); err != nil {
		t.Fatal(err)
	}
	var retried runbook.State
	_ = json.Unmarshal(before, &retried)
	retried.Step = runbook.StepFence
	if err := p.deps.Step(ctx, &retried); err != nil || retried.Epoch != 1 {
		t.Fatalf("the Fence retried after it committed: %v, epoch %d; want it done at epoch 1", err, retried.Epoch)
	}
	other, _ := p.deps.Begin(runbook.Input{Direction: runbook.Failover, Force: true}, "exec-2")
	other.Step, other.Epoch = runbook.StepFence, 0
	var fe *runbook.FencedError
	if err := p.deps.Step(ctx, other); !errors.As(err, &fe) {
		t.Errorf("another failover's Fence from epoch 0: %v, want FencedError", err)
	}
}

// A standby that throttles the readiness probe is busy, not down: the
// Readiness step fails with ThrottledError, which the state machine
// retries, instead of calling the standby not ready.
func TestReadinessRetriesAThrottledStandby(t *testing.T) {
	p := newPair(t)
	p.sync(false)
	p.dr.InjectFault(emulator.Fault{Endpoint: "GET /api/2.0/preview/scim/v2/Me", Kind: emulator.Throttle})
	st, err := p.deps.Begin(runbook.Input{Direction: runbook.Failover}, "exec-throttled")
	if err != nil {
		t.Fatal(err)
	}
	st.Step = runbook.StepReadiness
	var te *runbook.ThrottledError
	if err := p.deps.Step(context.Background(), st); !errors.As(err, &te) {
		t.Errorf("readiness of a throttling standby: %v, want ThrottledError", err)
	}
}
