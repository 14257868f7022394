package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/databricks/databricks-sdk-go/service/jobs"

	"github.com/drsync/drsync/shared/handler/handlertest"
)

// delivery writes records as one delivered audit-log file of the pair's
// source workspace and returns its path.
func (p *pair) delivery(name string, recs ...handlertest.AuditRecord) string {
	p.t.Helper()
	lines := make([]string, len(recs))
	for i, r := range recs {
		if r.WorkspaceID == 0 {
			r.WorkspaceID = 1111 // newPair's source
		}
		lines[i] = r.Line()
	}
	path := filepath.Join(p.t.TempDir(), name)
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		p.t.Fatal(err)
	}
	return path
}

func (p *pair) auditSync(want int, files ...string) auditSyncReport {
	p.t.Helper()
	code, out, errs := p.drsync(append([]string{"sync", "--output", "json", "--from-audit-log"}, files...)...)
	var rep auditSyncReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != want {
		p.t.Fatalf("exit %d (want %d), %v\n%s\n%s", code, want, err, out, errs)
	}
	return rep
}

// sync --from-audit-log runs the auditlog function's targeted sync: only
// what the file's new records name is read and synced (a change nobody
// logged stays for the next full sync), records of another workspace are
// ignored, and a second run of the same file finds its records processed.
func TestSyncFromAuditLog(t *testing.T) {
	p := newPair(t)
	p.syncJSON(exitOK)
	p.importNotebook(p.srcW, "/Shared/ml/model_monitoring", "print('logged change')")
	p.importNotebook(p.srcW, "/Shared/data-eng/transform/dedupe_events", "print('unlogged change')")
	job := p.listJobs(p.srcW)[0]
	if err := p.srcW.Jobs.Update(ctx, jobs.UpdateJob{JobId: job.JobId, NewSettings: &jobs.JobSettings{MaxConcurrentRuns: 7}}); err != nil {
		t.Fatal(err)
	}
	file := p.delivery("auditlogs_0001.json",
		handlertest.AuditRecord{Service: "notebook", Action: "modifyNotebook", Params: map[string]string{"path": "/Shared/ml/model_monitoring"}},
		handlertest.AuditRecord{Service: "jobs", Action: "update", Params: map[string]string{"job_id": fmt.Sprint(job.JobId)}},
		handlertest.AuditRecord{Service: "jobs", Action: "runNow", Params: map[string]string{"job_id": fmt.Sprint(job.JobId)}},
		handlertest.AuditRecord{Service: "notebook", Action: "modifyNotebook", WorkspaceID: 9999,
			Params: map[string]string{"path": "/Shared/data-eng/transform/dedupe_events"}})
	p.src.ResetRequests()
	rep := p.auditSync(exitOK, file)
	s := rep.Deliveries[0]
	if s.Records != 4 || s.Relevant != 2 || s.Keys != 2 || s.Actions.Update != 2 || s.Marked != 2 {
		t.Errorf("summary %+v; want 4 records, 2 relevant naming 2 objects, both updated and marked", s)
	}
	if n := p.src.RequestCount("GET /api/2.0/workspace/list"); n != 0 {
		t.Errorf("the targeted sync listed source folders %d times", n)
	}
	if got := p.exportText(p.tgtW, "/Shared/ml/model_monitoring"); !strings.Contains(got, "logged change") {
		t.Errorf("the logged notebook in DR: %q", got)
	}
	if got := p.exportText(p.tgtW, "/Shared/data-eng/transform/dedupe_events"); strings.Contains(got, "unlogged change") {
		t.Error("a change no record of the source named was synced")
	}
	again := p.auditSync(exitOK, file).Deliveries[0]
	if again.AlreadyProcessed != 2 || again.Outcome != "nothing-to-do" {
		t.Errorf("second run of the same file: %+v; want its 2 records already processed", again)
	}
}

// Usage errors exit 2 before any sync: no file, a file that is not there,
// a flag the targeted sync takes no part of, files without the flag.
func TestSyncFromAuditLogUsage(t *testing.T) {
	p := newPair(t)
	missing := filepath.Join(t.TempDir(), "nope.json")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"sync", "--from-audit-log"}, "needs at least one FILE"},
		{[]string{"sync", "--from-audit-log", missing}, missing},
		{[]string{"sync", "--from-audit-log", "--dry-run", missing}, "no --dry-run"},
		{[]string{"sync", "--from-audit-log", "--reverse", missing}, "no --reverse"},
		{[]string{"sync", missing}, "after --from-audit-log"},
	} {
		code, _, errs := p.drsync(tc.args...)
		if code != exitUsage || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: exit %d, %s; want 2 naming %q", tc.args, code, errs, tc.want)
		}
	}
	if _, err := os.Stat(p.ledger); err == nil {
		t.Error("a refused command created the ledger")
	}
}
