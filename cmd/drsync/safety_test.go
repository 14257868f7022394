package main

import (
	"bytes"
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/drsync/drsync/shared/ledger/bolt"
)

// drsyncRun runs the CLI in-process and returns its exit code, stdout and stderr.
func drsyncRun(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(t.Context(), args, &out, &errb)
	return code, out.String(), errb.String()
}

// newLedger creates an empty ledger file and returns its path.
func newLedger(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ledger.db")
	s, err := bolt.Open(path, bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestStatusRefusesUnknownOutput protects item 11 of issue 10: on main,
// `status --output yaml` printed text and exited 0.
func TestStatusRefusesUnknownOutput(t *testing.T) {
	t.Parallel()
	code, stdout, stderr := drsyncRun(t, "status", "--output", "yaml", "--ledger", newLedger(t))
	if code != exitUsage || stdout != "" || !strings.Contains(stderr, `--output: want text or json, got "yaml"`) {
		t.Errorf("exit %d, stdout %q, stderr %q; want 2 naming --output and nothing printed", code, stdout, stderr)
	}
}

// TestStatusNeedsAnExistingLedger protects item 11: on main, a mistyped
// --ledger silently became a new, empty ledger that status reported on.
func TestStatusNeedsAnExistingLedger(t *testing.T) {
	t.Parallel()
	missing := filepath.Join(t.TempDir(), "ledgr.db")
	code, _, stderr := drsyncRun(t, "status", "--ledger", missing)
	if code != exitUsage || !strings.Contains(stderr, "ledger file "+missing+" does not exist") {
		t.Errorf("exit %d, stderr %q; want 2 naming the missing file", code, stderr)
	}
	if _, err := os.Stat(missing); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("status created %s", missing)
	}
}

// TestStatusWhileSyncHoldsLedger protects item 11: status reads while a
// sync holds the ledger (here: a second open of the same file). On main it
// waited for the lock and failed "in use".
func TestStatusWhileSyncHoldsLedger(t *testing.T) {
	t.Parallel()
	path := newLedger(t)
	held, err := bolt.Open(path, bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	code, stdout, stderr := drsyncRun(t, "status", "--ledger", path)
	if code != exitOK || !strings.Contains(stdout, "Pair default") {
		t.Errorf("exit %d, stdout %q, stderr %q; want the status of the held ledger", code, stdout, stderr)
	}
}

// TestCorruptLedgerExitsOne protects item 8 through the CLI: a truncated
// ledger is "ledger FILE is corrupt" with exit 1. On main bbolt faulted
// reading past the end of the file and the process died.
func TestCorruptLedgerExitsOne(t *testing.T) {
	t.Parallel()
	path := newLedger(t)
	if err := os.Truncate(path, int64(2*os.Getpagesize())); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := drsyncRun(t, "status", "--ledger", path)
	if code != exitFailed || !strings.Contains(stderr, "ledger "+path+" is corrupt: ") {
		t.Errorf("exit %d, stderr %q; want 1 and the file named corrupt", code, stderr)
	}
}

// TestClearTextHostsRefused protects item 2 of issue 10: an http:// host
// that is not loopback is refused before any request, naming the flag or the
// config field with its position. On main the token was sent in clear text.
func TestClearTextHostsRefused(t *testing.T) {
	t.Parallel()
	ledger := newLedger(t)
	code, _, stderr := drsyncRun(t, "plan", "--source", "http://dbc-src.invalid", "--target", "http://127.0.0.1:1", "--ledger", ledger)
	if code != exitUsage || !strings.Contains(stderr, "--source: must use https://") {
		t.Errorf("flag: exit %d, stderr %q; want 2 naming --source", code, stderr)
	}
	cfg := filepath.Join(t.TempDir(), "pair.json")
	body := "{\"pair\": \"p\",\n \"source\": {\"host\": \"https://dbc-src.invalid\"},\n \"target\": {\"host\": \"http://dbc-dr.invalid:8080\"}}"
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = drsyncRun(t, "sync", "--config", cfg, "--ledger", ledger)
	if code != exitUsage || !strings.Contains(stderr, cfg+":3:13: target.host: must use https://") {
		t.Errorf("config: exit %d, stderr %q; want 2 naming target.host at 3:13", code, stderr)
	}
}

// TestPlanAgainstDeadWorkspaceFailsFast protects item 15 of issue 10 through
// the CLI: with nothing listening, plan fails naming the host and the cause
// after a warning per retried attempt. On main it was silent for 60 s.
// Before that, item 11: plan with a mistyped --ledger stops at once (exit 2)
// instead of creating the file.
func TestPlanAgainstDeadWorkspaceFailsFast(t *testing.T) {
	t.Setenv("DRSYNC_SOURCE_TOKEN", "dapi-source")
	t.Setenv("DRSYNC_TARGET_TOKEN", "dapi-target")
	src, tgt := deadAddr(t), deadAddr(t)
	missing := filepath.Join(t.TempDir(), "ledgr.db")
	code, _, stderr := drsyncRun(t, "plan", "--source", "http://"+src, "--target", "http://"+tgt, "--ledger", missing)
	if _, err := os.Stat(missing); code != exitUsage || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("plan with a missing ledger: exit %d (stderr %q), file left: %v; want 2 and no file", code, stderr, err == nil)
	}

	start := time.Now()
	code, _, stderr = drsyncRun(t, "plan", "--source", "http://"+src, "--target", "http://"+tgt, "--ledger", newLedger(t))
	t.Logf("exit %d after %s", code, time.Since(start).Round(time.Millisecond))
	if code != exitFailed || !strings.Contains(stderr, "is unreachable: the connection was refused") {
		t.Fatalf("exit %d, stderr %q; want 1 and the unreachable host", code, stderr)
	}
	if !strings.Contains(stderr, src) && !strings.Contains(stderr, tgt) {
		t.Errorf("stderr %q names neither host", stderr)
	}
	if n := strings.Count(stderr, "workspace unreachable, retrying"); n < 3 {
		t.Errorf("%d retry warnings on stderr, want one per retried attempt (at least 3):\n%s", n, stderr)
	}
}

// deadAddr returns a loopback address nothing listens on.
func deadAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
