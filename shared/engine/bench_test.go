package engine_test

// Benchmarks of the sync engine between two emulated workspaces, with the
// emulator's published per-endpoint rate limits on and 20 ms of latency on
// every call (DESIGN §9). They report custom metrics only (b.ReportMetric); run
// `make bench`, which turns them into a table with cmd/benchtable:
//
//	go test -run '^$' -bench . -benchtime 1x -timeout 60m ./shared/engine/
//
// Nothing here asserts a duration. The only failures are correctness
// targets: a no-change run must export nothing and make no mutating call, and
// no run may leave a failed action.

import (
	"context"
	"encoding/base64"
	"fmt"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/databricks/databricks-sdk-go"
	"github.com/databricks/databricks-sdk-go/service/jobs"
	"github.com/databricks/databricks-sdk-go/service/workspace"

	"github.com/drsync/drsync/shared/config"
	"github.com/drsync/drsync/shared/connect"
	"github.com/drsync/drsync/shared/emulator"
	"github.com/drsync/drsync/shared/emulator/emutest"
	"github.com/drsync/drsync/shared/engine"
	"github.com/drsync/drsync/shared/ledger"
	"github.com/drsync/drsync/shared/ledger/bolt"
	"github.com/drsync/drsync/shared/plan"
	"github.com/drsync/drsync/shared/resource"
)

// The estate of the issue, and the same estate at a tenth of every count.
var (
	fullEstate   = emulator.SynthSpec{Notebooks: 10000, Jobs: 1000, Clusters: 200, Pools: 50, Policies: 20, Seed: 7}
	scaledEstate = emulator.SynthSpec{Notebooks: 1000, Jobs: 100, Clusters: 20, Pools: 5, Policies: 2, Seed: 7}
)

// benchLatency is added by the emulator to every call.
const benchLatency = 20 * time.Millisecond

// benchLimits are the client budgets of the measured runs: just below the
// emulator's limits (export 60/s, import 30/s, jobs create 20/s) so that no
// call is throttled, and an SDK bucket that never binds. The config defaults
// (requests_per_second 10, import 15/s) would make a full initial sync take
// over half an hour (x-full-bound-at-defaults-s).
var benchLimits = config.RateLimits{
	RequestsPerSecond: 500, ExportPerSecond: 50, ImportPerSecond: 25, JobsCreatePerSecond: 15, Concurrency: 8,
}

// unthrottled are the budgets of the setup sync that fills the target for the
// steady-state benchmarks: nothing but the engine's own concurrency.
var unthrottled = config.RateLimits{RequestsPerSecond: 100000, Concurrency: 8}

// Emulator endpoints with published limits, and the client budget each draws on.
const (
	epExport     = "GET /api/2.0/workspace/export"
	epImport     = "POST /api/2.0/workspace/import"
	epJobsCreate = "POST /api/2.2/jobs/create"
)

// BenchmarkInitialSync copies a fresh estate into an empty target and reports
// objects/s against the bound the rate limits set for the calls the run made
// (see bound). It runs on the scaled estate unless BENCH_FULL=1, and then also
// reports what the full estate would take at the same share of its bound.
func BenchmarkInitialSync(b *testing.B) {
	name, spec := "scaled", scaledEstate
	if os.Getenv("BENCH_FULL") == "1" {
		name, spec = "full", fullEstate
	}
	b.Run(name, func(b *testing.B) {
		var sum runStats
		for range b.N {
			b.StopTimer()
			p := startPair(b, spec)
			b.StartTimer()
			sum.add(p.sync(b, benchLimits))
		}
		reportInitial(b, sum, spec)
	})
}

// BenchmarkSteadyState runs on the full estate, already in sync: a run with
// nothing changed, then runs after 100 source objects changed. The target is
// filled by an unthrottled initial sync first (not measured), which leaves the
// ledger holding every change marker, as a real first sync does; seeding the
// target directly would leave a ledger without them, and the first run would
// export all 20,000 notebooks to adopt them.
func BenchmarkSteadyState(b *testing.B) {
	p := startPair(b, fullEstate)
	p.throttle(false)
	setup := p.sync(b, unthrottled)
	// The first sync's mkdirs made the users' home folders as parents; the
	// next run adopts them (32 ledger writes, no call). Settle that here so
	// the measured runs start from the steady state.
	if settle := p.sync(b, unthrottled); settle.objects > 0 {
		b.Fatalf("the run after the initial sync applied %d objects, want none", settle.objects)
	}
	p.throttle(true)

	b.Run("nochange", func(b *testing.B) {
		// A parent benchmark's log is never printed; a sub-benchmark's is.
		b.Logf("setup (not measured): initial sync of the full estate with no rate limit and no latency: "+
			"%d objects in %.1fs, %.0f objects/s, %.1fs CPU — the engine's ceiling without the API's limits",
			setup.objects, setup.wall.Seconds(), float64(setup.objects)/setup.wall.Seconds(), setup.cpu.Seconds())
		var sum runStats
		for range b.N {
			sum.add(p.sync(b, benchLimits))
		}
		reportSteady(b, sum, runStats{})
	})
	b.Run("changed100", func(b *testing.B) {
		var sum, base runStats
		for i := range b.N {
			b.StopTimer()
			// The anchor: a no-change run of the same estate, in the same run.
			base.add(p.sync(b, benchLimits))
			p.change(b, i)
			b.StartTimer()
			sum.add(p.sync(b, benchLimits))
		}
		reportSteady(b, sum, base)
	})
}

// reportInitial reports an initial sync: throughput against the rate-limit
// bound of the calls it made, and, on the scaled estate, what the full estate
// would take. Three anchors, all computed from this run's own calls:
//   - bound-s: every limit at once, perfectly pipelined — the API's bound;
//   - snapshot-bound-s + apply-bound-s: the same per phase; their sum is the
//     least this engine can take, since it reads every document before it
//     applies anything (of-phased-bound);
//   - apply-bound-s alone: DESIGN §9's "apply throughput close to the limit".
func reportInitial(b *testing.B, s runStats, spec emulator.SynthSpec) {
	n := float64(s.runs)
	b.ReportMetric(float64(s.objects)/n, "objects")
	b.ReportMetric(float64(s.objects)/s.wall.Seconds(), "objects/s")
	b.ReportMetric(s.bound.Seconds()/n, "bound-s")
	b.ReportMetric(s.bound.Seconds()/s.wall.Seconds(), "of-bound")
	b.ReportMetric((s.snapBound+s.applyBound).Seconds()/s.wall.Seconds(), "of-phased-bound")
	b.ReportMetric(s.snapshot.Seconds()/n, "snapshot-s")
	b.ReportMetric(s.snapBound.Seconds()/n, "snapshot-bound-s")
	b.ReportMetric(s.apply.Seconds()/n, "apply-s")
	b.ReportMetric(s.applyBound.Seconds()/n, "apply-bound-s")
	b.ReportMetric(float64(s.objects)/s.apply.Seconds(), "apply-objects/s")
	b.ReportMetric(s.applyBound.Seconds()/s.apply.Seconds(), "apply-of-bound")
	reportCalls(b, s)
	if spec == fullEstate {
		return
	}
	// Every count of the scaled estate is a tenth of the full one; the calls
	// are scaled alike (listing calls scale less, but no limit binds them).
	f := float64(fullEstate.Notebooks) / float64(spec.Notebooks) / n
	src, tgt := scale(s.src, f), scale(s.tgt, f)
	full := bound(benchLimits, src, tgt)
	b.ReportMetric(full.Seconds(), "x-full-bound-s")
	b.ReportMetric(full.Seconds()*s.wall.Seconds()/s.bound.Seconds(), "x-full-wall-s")
	b.ReportMetric(bound(config.Default().RateLimits, src, tgt).Seconds(), "x-full-bound-at-defaults-s")
}

// reportSteady reports a run on an estate in sync, and its calls and time
// beyond the no-change anchor base when there is one.
func reportSteady(b *testing.B, s, base runStats) {
	n := float64(s.runs)
	b.ReportMetric(float64(s.objects)/n, "objects")
	b.ReportMetric(s.snapshot.Seconds()/n, "snapshot-s")
	b.ReportMetric(s.apply.Seconds()/n, "apply-s")
	b.ReportMetric(float64(s.catalogCalls)/n, "catalog-calls")
	if s.bound > 0 {
		b.ReportMetric(s.bound.Seconds()/n, "bound-s")
		b.ReportMetric(s.bound.Seconds()/s.wall.Seconds(), "of-bound")
	}
	reportCalls(b, s)
	if base.runs > 0 {
		extra := float64(sum(s.src)+sum(s.tgt)) - float64(sum(base.src)+sum(base.tgt))*n/float64(base.runs)
		b.ReportMetric(base.wall.Seconds()/float64(base.runs), "nochange-wall-s")
		b.ReportMetric(float64(sum(base.src)+sum(base.tgt))/float64(base.runs), "nochange-calls")
		b.ReportMetric(extra/n, "extra-calls")
		b.ReportMetric(extra/float64(max(1, s.objects)), "extra-calls/object")
		b.ReportMetric((s.wall.Seconds()-base.wall.Seconds()*n/float64(base.runs))/n, "extra-wall-s")
		return
	}
	// DESIGN §9: with nothing changed, only listings; never an export or a write.
	if e, m := s.src[epExport]+s.tgt[epExport], mutations(s.tgt)+mutations(s.src); e > 0 || m > 0 || s.objects > 0 {
		b.Errorf("a no-change run exported %d objects, made %d mutating calls and applied %d objects", e, m, s.objects)
	}
}

// reportCalls reports calls per run: in all, the rate-limited ones, and per
// side and endpoint ("src:GET:workspace/list").
func reportCalls(b *testing.B, s runStats) {
	n := float64(s.runs)
	b.ReportMetric(float64(sum(s.src)+sum(s.tgt))/n, "calls")
	b.ReportMetric(float64(s.src[epExport]+s.tgt[epExport])/n, "exports")
	b.ReportMetric(float64(mutations(s.src)+mutations(s.tgt))/n, "mutations")
	b.ReportMetric(float64(s.throttled)/n, "throttled-429")
	b.ReportMetric(float64(s.ledgerWrites)/n, "ledger-writes")
	b.ReportMetric(s.cpu.Seconds()/n, "cpu-s")
	b.ReportMetric(s.boundAtDefaults.Seconds()/n, "bound-at-defaults-s")
	b.ReportMetric(loadAverage(), "load-1m")
	for side, m := range map[string]map[string]int64{"src": s.src, "tgt": s.tgt} {
		for ep, c := range m {
			b.ReportMetric(float64(c)/n, side+":"+endpointUnit(ep))
		}
	}
}

// endpointUnit spells "GET /api/2.0/workspace/list" as "GET:workspace/list"
// (a metric unit holds no space).
func endpointUnit(ep string) string {
	method, path, _ := strings.Cut(ep, " ")
	if rest, ok := strings.CutPrefix(path, "/api/"); ok {
		if _, p, ok := strings.Cut(rest, "/"); ok {
			path = p
		}
	}
	return method + ":" + path
}

// mutations counts calls that change a workspace.
func mutations(m map[string]int64) int64 {
	var n int64
	for ep, c := range m {
		if !strings.HasPrefix(ep, "GET ") {
			n += c
		}
	}
	return n
}

func scale(m map[string]int64, f float64) map[string]int64 {
	out := make(map[string]int64, len(m))
	for k, v := range m {
		out[k] = int64(math.Round(float64(v) * f))
	}
	return out
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// benchPair is a seeded source, a target, their clients and a ledger file.
type benchPair struct {
	src, tgt *emulator.Server
	store    *countingStore
	admin    *databricks.WorkspaceClient // the benchmark's own source client, for changes
	// throttled counts 429 answers to drsync's clients (every SDK attempt).
	throttled atomic.Int64
	clients   map[int]clientPair // by requests_per_second: the SDK bucket is fixed per client
	changed   int                // source changes made so far (each must differ)
}

type clientPair struct{ src, tgt resource.Workspace }

// startPair starts both emulators with the published rate limits and the
// benchmark latency, seeds the source with spec and opens a fresh ledger.
func startPair(b *testing.B, spec emulator.SynthSpec) *benchPair {
	b.Helper()
	src := startEmulator(b, 11, 1111)
	tgt := startEmulator(b, 22, 2222)
	if _, err := src.Seed(emulator.Synthesize(spec)); err != nil {
		b.Fatalf("seed source: %v", err)
	}
	store, err := bolt.Open(filepath.Join(b.TempDir(), "ledger.db"), bolt.Options{})
	if err != nil {
		b.Fatalf("open ledger: %v", err)
	}
	closeWhenDone(b, store)
	return &benchPair{src: src, tgt: tgt, store: &countingStore{Store: store},
		admin: emutest.Client(b, src), clients: map[int]clientPair{}}
}

// startEmulator serves one workspace (different seeds give different ids)
// until the benchmark ends.
func startEmulator(b *testing.B, seed uint64, id int64) *emulator.Server {
	b.Helper()
	srv := emulator.New(emulator.Options{Seed: seed, WorkspaceID: id, Latency: benchLatency,
		RateLimits: emulator.DefaultRateLimits()})
	if err := srv.Start(); err != nil {
		b.Fatalf("start emulator: %v", err)
	}
	closeWhenDone(b, srv)
	return srv
}

func closeWhenDone(b *testing.B, c interface{ Close() error }) {
	b.Cleanup(func() {
		if err := c.Close(); err != nil {
			b.Errorf("close: %v", err)
		}
	})
}

// throttle switches the emulators' rate limits and latency on or off.
func (p *benchPair) throttle(on bool) {
	for _, s := range []*emulator.Server{p.src, p.tgt} {
		for ep, rps := range emulator.DefaultRateLimits() {
			if !on {
				rps = 0
			}
			s.SetRateLimit(ep, rps)
		}
		if on {
			s.SetLatency(benchLatency)
		} else {
			s.SetLatency(0)
		}
	}
}

// workspaces returns the clients for a requests_per_second budget, built as the
// CLI builds them (connect.Workspace from an explicit config).
func (p *benchPair) workspaces(b *testing.B, rps int) clientPair {
	b.Helper()
	if c, ok := p.clients[rps]; ok {
		return c
	}
	build := func(side string, srv *emulator.Server) resource.Workspace {
		w, err := connect.Workspace(context.Background(), side, config.Endpoint{Host: srv.URL()}, connect.Options{
			Version: "dev", Credentials: connect.Credentials{Token: srv.Token()},
			RetryTimeout: 2 * time.Minute, RateLimitPerSecond: rps,
			Transport: &countingTransport{next: sdkTransport(), throttled: &p.throttled},
		})
		if err != nil {
			b.Fatalf("%s client: %v", side, err)
		}
		return resource.Workspace{Side: side, API: w}
	}
	c := clientPair{src: build(connect.Source, p.src), tgt: build(connect.Target, p.tgt)}
	p.clients[rps] = c
	return c
}

// options are what cmd/drsync runs with for the default config with the given
// rate limits (engine.OptionsFor), fresh kinds for each run.
func options(limits config.RateLimits, planned func(*plan.Plan)) engine.Options {
	cfg := config.Default()
	cfg.Pair, cfg.RateLimits = "bench", limits
	o, err := engine.OptionsFor(cfg)
	if err != nil {
		panic(err) // the default config selects every kind
	}
	o.RunID, o.Holder, o.Trigger = fmt.Sprintf("bench-%d", time.Now().UnixNano()), "bench", "bench"
	o.Planned = planned
	return o
}

// runStats is what one or more runs did; every field is a sum over the runs.
type runStats struct {
	runs                  int
	wall, snapshot, apply time.Duration
	// bound, snapBound and applyBound are the least time the run's calls
	// could take under the rate limits in force (see bound).
	bound, snapBound, applyBound time.Duration
	// boundAtDefaults is bound for the same calls under the config's
	// default budgets (config.Default().RateLimits).
	boundAtDefaults time.Duration
	// cpu is the process's CPU time (user+system): drsync and both
	// emulators, which share the process. Unlike wall time it barely moves
	// when other work loads the machine.
	cpu     time.Duration
	objects int // objects created or updated in the target
	// catalogCalls are the reads of what the target can run and of the
	// objects drsync does not copy (engine.Result.CatalogCalls).
	catalogCalls            int
	ledgerWrites, throttled int64
	src, tgt                map[string]int64 // calls per endpoint ("METHOD /path")
}

func (s *runStats) add(o runStats) {
	s.runs += o.runs
	s.wall += o.wall
	s.snapshot += o.snapshot
	s.apply += o.apply
	s.cpu += o.cpu
	s.bound += o.bound
	s.boundAtDefaults += o.boundAtDefaults
	s.snapBound += o.snapBound
	s.applyBound += o.applyBound
	s.objects += o.objects
	s.catalogCalls += o.catalogCalls
	s.ledgerWrites += o.ledgerWrites
	s.throttled += o.throttled
	s.src, s.tgt = plus(s.src, o.src), plus(s.tgt, o.tgt)
}

// sync runs one engine.Sync with limits and returns what it did, per phase
// (the snapshot ends when the plan is handed to Planned). A run that fails or
// leaves a failed action fails the benchmark: its numbers would mean nothing.
func (p *benchPair) sync(b *testing.B, limits config.RateLimits) runStats {
	b.Helper()
	c := p.workspaces(b, limits.RequestsPerSecond)
	p.src.ResetRequests()
	p.tgt.ResetRequests()
	throttled, writes := p.throttled.Load(), p.store.writes.Load()
	var planned time.Time
	var snapSrc, snapTgt map[string]int64
	cpu := cpuTime()
	start := time.Now()
	res, err := engine.Sync(context.Background(), c.src, c.tgt, p.store, options(limits, func(*plan.Plan) {
		planned = time.Now()
		snapSrc, snapTgt = p.src.Requests(), p.tgt.Requests()
	}))
	wall, cpu := time.Since(start), cpuTime()-cpu
	if err != nil {
		b.Fatalf("sync: %v", err)
	}
	if f := res.Plan.Summary(); f.Failed > 0 || f.Blocked > 0 {
		b.Fatalf("sync: %d actions failed, %d blocked; first errors: %v", f.Failed, f.Blocked, res.Run.Errors)
	}
	st := runStats{runs: 1, wall: wall, cpu: cpu, snapshot: planned.Sub(start), apply: wall - planned.Sub(start),
		src: p.src.Requests(), tgt: p.tgt.Requests(),
		ledgerWrites: p.store.writes.Load() - writes, throttled: p.throttled.Load() - throttled,
		catalogCalls: res.CatalogCalls}
	st.bound = bound(limits, st.src, st.tgt)
	st.boundAtDefaults = bound(config.Default().RateLimits, st.src, st.tgt)
	st.snapBound = bound(limits, snapSrc, snapTgt)
	st.applyBound = bound(limits, minus(st.src, snapSrc), minus(st.tgt, snapTgt))
	for _, a := range res.Plan.Actions {
		if a.Op == plan.Create || a.Op == plan.Update {
			st.objects++
		}
	}
	return st
}

// cpuTime is the process's user+system CPU time so far (0 if unknown).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// loadAverage is the machine's 1-minute load average (-1 if unknown): wall
// times of CPU-bound phases stretch when other processes share the cores.
func loadAverage() float64 {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return -1
	}
	f := strings.Fields(string(data))
	if len(f) == 0 {
		return -1
	}
	v, err := strconv.ParseFloat(f[0], 64)
	if err != nil {
		return -1
	}
	return v
}

func plus(a, b map[string]int64) map[string]int64 {
	if a == nil {
		a = map[string]int64{}
	}
	for k, v := range b {
		a[k] += v
	}
	return a
}

// minus returns a − b per key, keeping only positive counts.
func minus(a, b map[string]int64) map[string]int64 {
	out := map[string]int64{}
	for k, v := range a {
		if d := v - b[k]; d > 0 {
			out[k] = d
		}
	}
	return out
}

// bound is the least time the calls src and tgt (per endpoint) can take under
// the rate limits in force: every token bucket they pass through, starting
// full, admits its calls no faster than (calls − burst) / rate. The buckets
// are drsync's client budgets (export shared by both sides, import, jobs
// create, and each SDK client's requests_per_second) and the emulator's
// per-workspace limits. It assumes perfect pipelining of everything else:
// it is the physical bound of the API, not of this engine's design.
func bound(limits config.RateLimits, src, tgt map[string]int64) time.Duration {
	emu := emulator.DefaultRateLimits()
	var worst time.Duration
	for _, k := range []struct {
		calls       int64
		rate, burst float64
	}{
		{src[epExport] + tgt[epExport], float64(limits.ExportPerSecond), clientBurst(limits.ExportPerSecond)},
		{tgt[epImport] + src[epImport], float64(limits.ImportPerSecond), clientBurst(limits.ImportPerSecond)},
		{tgt[epJobsCreate] + src[epJobsCreate], float64(limits.JobsCreatePerSecond), clientBurst(limits.JobsCreatePerSecond)},
		{sum(src), float64(limits.RequestsPerSecond), float64(limits.RequestsPerSecond)},
		{sum(tgt), float64(limits.RequestsPerSecond), float64(limits.RequestsPerSecond)},
		{src[epExport], emu[epExport], math.Ceil(emu[epExport])},
		{tgt[epExport], emu[epExport], math.Ceil(emu[epExport])},
		{tgt[epImport], emu[epImport], math.Ceil(emu[epImport])},
		{tgt[epJobsCreate], emu[epJobsCreate], math.Ceil(emu[epJobsCreate])},
	} {
		if k.rate > 0 && float64(k.calls) > k.burst {
			worst = max(worst, time.Duration((float64(k.calls)-k.burst)/k.rate*float64(time.Second)))
		}
	}
	return worst
}

// clientBurst is the burst of an engine.Rates budget (one second's worth).
func clientBurst(rps int) float64 { return float64(max(1, rps)) }

func sum(m map[string]int64) int64 {
	var n int64
	for _, v := range m {
		n += v
	}
	return n
}

// changedNotebooks and changedJobs make the 100 changed objects of a
// changed100 run: the mix of the estate (10 notebooks to every job).
const (
	changedNotebooks = 90
	changedJobs      = 10
)

// change edits 90 source notebooks (new content) and 10 source jobs (a new
// timeout) through the source's API, a different set each time, with the
// source's limits and latency lifted for the edit only.
func (p *benchPair) change(b *testing.B, iter int) {
	b.Helper()
	ctx := context.Background()
	p.src.SetRateLimit(epImport, 0)
	p.src.SetLatency(0)
	defer p.throttle(true)
	nbs := p.listNotebooks(b)
	js, err := p.admin.Jobs.ListAll(ctx, jobs.ListJobsRequest{})
	if err != nil || len(js) < changedJobs || len(nbs) < changedNotebooks {
		b.Fatalf("list source: %d jobs, %d notebooks (%v)", len(js), len(nbs), err)
	}
	sort.Slice(js, func(i, j int) bool { return js[i].JobId < js[j].JobId })
	p.changed++
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for i := range changedNotebooks {
		nb := nbs[(i*len(nbs)/changedNotebooks+iter)%len(nbs)]
		g.Go(func() error {
			return p.admin.Workspace.Import(gctx, workspace.Import{Path: nb.Path, Format: workspace.ImportFormatSource,
				Language: nb.Language, Overwrite: true,
				Content: b64(fmt.Sprintf("# Databricks notebook source\nprint('change %d')\n", p.changed))})
		})
	}
	for i := range changedJobs {
		j := js[(i*len(js)/changedJobs+iter)%len(js)]
		g.Go(func() error {
			return p.admin.Jobs.Update(gctx, jobs.UpdateJob{JobId: j.JobId,
				NewSettings: &jobs.JobSettings{TimeoutSeconds: 3600 + p.changed, ForceSendFields: []string{"TimeoutSeconds"}}})
		})
	}
	if err := g.Wait(); err != nil {
		b.Fatalf("change the source: %v", err)
	}
}

// listNotebooks lists the source's notebooks (sorted by path) through the
// emulator's own API.
func (p *benchPair) listNotebooks(b *testing.B) []workspace.ObjectInfo {
	b.Helper()
	var out []workspace.ObjectInfo
	var walk func(dir string)
	walk = func(dir string) {
		infos, err := p.admin.Workspace.ListAll(context.Background(), workspace.ListWorkspaceRequest{Path: dir})
		if err != nil {
			b.Fatalf("list %s: %v", dir, err)
		}
		for _, info := range infos {
			switch info.ObjectType {
			case workspace.ObjectTypeDirectory:
				walk(info.Path)
			case workspace.ObjectTypeNotebook:
				out = append(out, info)
			}
		}
	}
	walk("/")
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// countingStore counts record writes (Put and Delete) on a real ledger store.
type countingStore struct {
	ledger.Store
	writes atomic.Int64
}

func (s *countingStore) Put(ctx context.Context, pair string, rec ledger.Record, f ledger.Fence) (ledger.Record, error) {
	s.writes.Add(1)
	return s.Store.Put(ctx, pair, rec, f)
}

func (s *countingStore) Delete(ctx context.Context, pair, kind, key string, version int64, f ledger.Fence) error {
	s.writes.Add(1)
	return s.Store.Delete(ctx, pair, kind, key, version, f)
}

// sdkTransport is the SDK's default transport as of v0.118.0 (httpclient's
// makeDefaultTransport, unexported): giving the SDK any transport replaces
// it, and the idle-connection pool size shapes a run of short list calls.
func sdkTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns, t.MaxIdleConnsPerHost = 100, runtime.GOMAXPROCS(0)+1
	t.IdleConnTimeout = 180 * time.Second
	return t
}

// countingTransport sees every attempt the SDK makes and counts the throttled
// ones, which the emulator's request counts cannot tell apart.
type countingTransport struct {
	next      http.RoundTripper
	throttled *atomic.Int64
}

func (t *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(r)
	if err == nil && resp.StatusCode == http.StatusTooManyRequests {
		t.throttled.Add(1)
	}
	return resp, err
}
