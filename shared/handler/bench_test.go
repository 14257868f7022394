package handler_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/databricks/databricks-sdk-go/service/jobs"
	"github.com/databricks/databricks-sdk-go/service/workspace"

	"github.com/drsync/drsync/shared/emulator"
	"github.com/drsync/drsync/shared/handler"
	"github.com/drsync/drsync/shared/handler/handlertest"
	"github.com/drsync/drsync/shared/ledger/bolt"
)

// BenchmarkAuditlogAPICalls measures the Databricks API calls (both
// emulators' request counters) of the audit-log path — object read, records
// mapped to keys, one targeted sync — for K changed objects (half notebooks,
// half jobs) in two estate sizes. The calls must grow with K, not with the
// estate (DESIGN §9). The ledger is a bbolt file so moto's write rate does
// not make the initial full sync of the large estate slow; the audit-log
// object still comes from moto's S3.
//
//	go test -run '^$' -bench AuditlogAPICalls -benchtime 3x ./shared/handler/
func BenchmarkAuditlogAPICalls(b *testing.B) {
	for _, size := range []struct {
		name string
		spec emulator.SynthSpec
	}{
		{"estate=small", emulator.SynthSpec{Notebooks: 200, Files: 20, Jobs: 50, Clusters: 15, Pools: 5, Policies: 10, Seed: 7}},
		{"estate=large", emulator.SynthSpec{Notebooks: 2000, Files: 200, Jobs: 500, Clusters: 60, Pools: 20, Policies: 40, Seed: 7}},
	} {
		b.Run(size.name, func(b *testing.B) {
			e := newBenchEstate(b, size.spec)
			for _, k := range []int{1, 10, 100} {
				b.Run("K="+strconv.Itoa(k), func(b *testing.B) { e.run(b, k) })
			}
		})
	}
}

// benchEstate is a stack whose target holds the synthetic estate.
type benchEstate struct {
	s         *handlertest.Stack
	d         *handler.Deps
	notebooks []string
	jobs      []int64
	objects   int
	changes   int
}

func newBenchEstate(b *testing.B, spec emulator.SynthSpec) *benchEstate {
	b.Helper()
	estate := emulator.Synthesize(spec)
	s := handlertest.New(b, handlertest.Options{Estate: estate})
	d, _ := s.Deps(b, "auditlog")
	store, err := bolt.Open(filepath.Join(b.TempDir(), "ledger.db"), bolt.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = store.Close() })
	d.Store = store
	e := &benchEstate{s: s, d: d}
	for _, o := range estate.Workspace {
		if o.ObjectType == "NOTEBOOK" {
			e.notebooks = append(e.notebooks, o.Path)
		}
	}
	for name, id := range s.Seed.IDs {
		if strings.HasPrefix(name, "job:") {
			n, _ := strconv.ParseInt(id, 10, 64)
			e.jobs = append(e.jobs, n)
		}
	}
	slices.Sort(e.jobs)
	begin := time.Now()
	sum := e.fullSync(b)
	e.objects = sum.Actions.Create + sum.Actions.Skip + sum.Actions.Unchanged
	s.Source.ResetRequests()
	s.Target.ResetRequests()
	steady := e.fullSync(b)
	b.Logf("%d objects; initial full sync %v; a steady-state full sync made %d API calls (%d unchanged)",
		e.objects, time.Since(begin).Round(time.Millisecond), calls(s), steady.Actions.Unchanged)
	return e
}

func (e *benchEstate) fullSync(b *testing.B) handler.SyncSummary {
	b.Helper()
	sum, err := handlertest.Invoke[handler.SyncSummary](b, e.d.Sync, handlertest.Event(b, "scheduled.json"), "bench-full", 10*time.Minute)
	if err != nil || sum.Outcome != "ok" {
		b.Fatalf("full sync: %+v, %v", sum, err)
	}
	return sum
}

// run changes k objects per iteration, delivers their audit records and
// counts the calls of the one invocation.
func (e *benchEstate) run(b *testing.B, k int) {
	var total, src, tgt int64
	for i := range b.N {
		b.StopTimer()
		key := e.change(b, k, i)
		e.s.Source.ResetRequests()
		e.s.Target.ResetRequests()
		b.StartTimer()
		sum, err := handlertest.Invoke[handler.AuditlogSummary](b, e.d.Auditlog, handlertest.ObjectCreated(b, e.s.Bucket, key), "bench", 10*time.Minute)
		b.StopTimer()
		if err != nil || sum.Keys != k || sum.Actions.Update != k || sum.Actions.Failed != 0 {
			b.Fatalf("auditlog: %+v, %v", sum, err)
		}
		s, t := count(e.s.Source), count(e.s.Target)
		src, tgt, total = src+s, tgt+t, total+s+t
	}
	n := float64(b.N)
	b.ReportMetric(float64(total)/n, "calls/op")
	b.ReportMetric(float64(total)/n/float64(k), "calls/object")
	b.ReportMetric(float64(src)/n, "src-calls/op")
	b.ReportMetric(float64(tgt)/n, "tgt-calls/op")
	b.ReportMetric(float64(e.objects), "estate-objects")
}

// change edits k source objects (notebooks and jobs alternating, the next
// ones each call) and writes their audit records as one object.
func (e *benchEstate) change(b *testing.B, k, iter int) string {
	b.Helper()
	ctx := context.Background()
	e.changes++
	var lines []string
	for j := range k {
		// The next indexes of each kind, so one call's objects are distinct.
		at := e.changes*(k/2) + j/2
		if j%2 == 0 {
			at = e.changes*((k+1)/2) + j/2
			path := e.notebooks[at%len(e.notebooks)]
			err := e.s.SourceAPI.Workspace.Import(ctx, workspace.Import{Path: path, Format: workspace.ImportFormatSource,
				Language: workspace.LanguagePython, Overwrite: true,
				Content: base64.StdEncoding.EncodeToString(fmt.Appendf(nil, "print('change %d')", e.changes))})
			if err != nil {
				b.Fatal(err)
			}
			lines = append(lines, handlertest.AuditRecord{Service: "notebook", Action: "modifyNotebook", Params: map[string]string{"path": path}}.Line())
			continue
		}
		id := e.jobs[at%len(e.jobs)]
		err := e.s.SourceAPI.Jobs.Update(ctx, jobs.UpdateJob{JobId: id, NewSettings: &jobs.JobSettings{TimeoutSeconds: 3600 + e.changes, ForceSendFields: []string{"TimeoutSeconds"}}})
		if err != nil {
			b.Fatal(err)
		}
		lines = append(lines, handlertest.AuditRecord{Service: "jobs", Action: "update", Params: map[string]string{"job_id": strconv.FormatInt(id, 10)}}.Line())
	}
	key := handlertest.AuditKey(handlertest.SourceWorkspaceID, fmt.Sprintf("bench-%d-%d", k, iter))
	e.s.PutAuditObject(b, key, lines...)
	return key
}

func count(s *emulator.Server) int64 {
	var n int64
	for _, c := range s.Requests() {
		n += c
	}
	return n
}

func calls(s *handlertest.Stack) int64 { return count(s.Source) + count(s.Target) }
