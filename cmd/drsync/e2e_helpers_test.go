package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/databricks/databricks-sdk-go"

	"github.com/drsync/drsync/shared/emulator"
	"github.com/drsync/drsync/shared/emulator/emutest"
	"github.com/drsync/drsync/shared/plan"
)

// pair is a source and a target emulated workspace, the source seeded with the
// sample estate, and a ledger path, as a CLI user would have them.
type pair struct {
	t          *testing.T
	src, tgt   *emulator.Server
	srcW, tgtW *databricks.WorkspaceClient
	ledger     string
	config     string
	seed       emulator.SeedReport
}

func newPair(t *testing.T) *pair {
	t.Helper()
	// Different seeds give different ids (and default-policy ids) per workspace.
	src, srcW := emutest.Start(t, emulator.Options{Seed: 11, WorkspaceID: 1111})
	tgt, tgtW := emutest.Start(t, emulator.Options{Seed: 22, WorkspaceID: 2222})
	// drsync does not copy warehouses, pipelines or notification destinations
	// yet: the sample's job naming them would be refused by the empty target.
	rep, err := src.Seed(emulator.SampleEstate().WithoutJobs(emulator.SampleCatalogJob))
	if err != nil {
		t.Fatalf("seed source: %v", err)
	}
	t.Setenv("DRSYNC_SOURCE_TOKEN", src.Token())
	t.Setenv("DRSYNC_TARGET_TOKEN", tgt.Token())
	dir := t.TempDir()
	p := &pair{t: t, src: src, tgt: tgt, srcW: srcW, tgtW: tgtW, seed: rep,
		ledger: filepath.Join(dir, "ledger.db"), config: filepath.Join(dir, "pair.json")}
	p.writeConfig(`{"pair": "e2e", "source": {"host": "` + src.URL() + `"}, "target": {"host": "` + tgt.URL() + `"},
	  "rate_limits": {"requests_per_second": 500, "export_per_second": 50, "import_per_second": 25,
	                  "jobs_create_per_second": 15, "concurrency": 8},
	  "retry_timeout": "20s"}`)
	return p
}

// writeConfig replaces the pair's config file. Tests run fast client limits,
// still below the emulator's (published) per-endpoint limits.
func (p *pair) writeConfig(body string) {
	p.t.Helper()
	if err := os.WriteFile(p.config, []byte(body), 0o600); err != nil {
		p.t.Fatal(err)
	}
}

// drsync runs the CLI in-process and returns its exit code, stdout and stderr.
func (p *pair) drsync(args ...string) (int, string, string) {
	p.t.Helper()
	return p.drsyncFrom(p.src.URL(), args...)
}

// drsyncFrom runs the CLI with another source workspace.
func (p *pair) drsyncFrom(source string, args ...string) (int, string, string) {
	p.t.Helper()
	var out, errb bytes.Buffer
	full := append(args, "--source", source, "--target", p.tgt.URL(), "--ledger", p.ledger, "--config", p.config, "--no-progress")
	code := run(context.Background(), full, &out, &errb)
	return code, out.String(), errb.String()
}

// syncJSON runs `drsync sync --output json` and decodes the plan.
func (p *pair) syncJSON(want int, args ...string) planDoc {
	p.t.Helper()
	code, out, errs := p.drsync(append([]string{"sync", "--output", "json"}, args...)...)
	if code != want {
		p.t.Fatalf("exit %d, want %d\nstderr: %s\nstdout: %s", code, want, errs, out)
	}
	var doc planDoc
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		p.t.Fatalf("decode plan: %v\n%s", err, out)
	}
	return doc
}

type planDoc struct {
	Actions []plan.Action `json:"actions"`
	Summary plan.Summary  `json:"summary"`
	Guard   plan.Guard    `json:"guard"`
	Drift   int           `json:"drift"`
}

func (d planDoc) String() string {
	var b strings.Builder
	for _, a := range d.Actions {
		b.WriteString(string(a.Op) + " " + a.Kind + " " + a.Key + " [" + a.Status + "] " + a.Reason + " " + a.Error + "\n")
	}
	return b.String()
}

// mutations counts requests that change a workspace.
func mutations(s *emulator.Server) int64 {
	var n int64
	for ep, c := range s.Requests() {
		if strings.HasPrefix(ep, "POST ") || strings.HasPrefix(ep, "PATCH ") || strings.HasPrefix(ep, "PUT ") || strings.HasPrefix(ep, "DELETE ") {
			n += c
		}
	}
	return n
}
