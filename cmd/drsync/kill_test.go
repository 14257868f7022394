package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// A sync killed (SIGKILL) in the middle of its apply leaves a partial DR copy
// and maybe objects the ledger never heard of; the next run converges with no
// duplicates: what was created before the kill is adopted, not created again.
func TestKilledProcessRerunConverges(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the drsync binary")
	}
	p := newPair(t)
	// One action at a time and slow target writes, so the kill lands mid-apply.
	p.writeConfig(`{"pair": "e2e", "source": {"host": "` + p.src.URL() + `"}, "target": {"host": "` + p.tgt.URL() + `"},
	  "rate_limits": {"requests_per_second": 500, "export_per_second": 50, "import_per_second": 25,
	                  "jobs_create_per_second": 15, "concurrency": 1}}`)
	p.tgt.SetLatency(40 * time.Millisecond)
	bin := filepath.Join(t.TempDir(), "drsync")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build drsync: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "sync", "--source", p.src.URL(), "--target", p.tgt.URL(),
		"--ledger", p.ledger, "--config", p.config, "--no-progress")
	cmd.Env = os.Environ() // carries the DRSYNC_*_TOKEN set by newPair
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for mutations(p.tgt) < 20 {
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			t.Fatal("the sync never reached 20 writes")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	// The killed run's last request may still be served (the service does
	// what it received, the answer goes nowhere): the rerun starts once it
	// has landed. One landing later still is adopted by its marker at apply
	// (the create was left pending) or, for a kind without a pending record,
	// removed as a duplicate by the next run.
	for idle := time.Now().Add(10 * time.Second); p.tgt.InFlight() > 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(idle) {
			t.Fatal("the target still serves the killed run's requests after 10 s")
		}
	}
	killedAt := mutations(p.tgt)
	p.tgt.SetLatency(0)

	doc := p.syncJSON(exitOK)
	if doc.Summary.Failed != 0 {
		t.Fatalf("rerun failed:\n%s", doc)
	}
	p.assertNoDuplicates()
	again := p.syncJSON(exitOK)
	if n := len(again.Actions) - again.Summary.Skip; n != 0 {
		t.Fatalf("not converged after the rerun (killed after %d writes):\n%s", killedAt, again)
	}
	if got := len(p.listJobs(p.tgtW)); got != 5 {
		t.Fatalf("target has %d jobs, want 5", got)
	}
}
