package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/databricks/databricks-sdk-go"
	"github.com/databricks/databricks-sdk-go/service/compute"
	"github.com/databricks/databricks-sdk-go/service/jobs"

	"github.com/drsync/drsync/shared/emulator"
)

// syncBuffer is a bytes.Buffer safe to read while run writes to it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startRun runs the command in the background and waits for n output lines.
// The returned stop cancels it and returns run's error and full output.
func startRun(t *testing.T, n int, args ...string) (lines []string, stop func() (string, error)) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut syncBuffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, args, &out, &errOut) }()
	stop = func() (string, error) {
		cancel()
		select {
		case err := <-done:
			return out.String(), err
		case <-time.After(10 * time.Second):
			t.Fatal("run did not return after cancel")
			return "", nil
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-done:
			cancel()
			t.Fatalf("run returned early: %v (stderr %q)", err, errOut.String())
		default:
		}
		if got := strings.Split(strings.TrimSpace(out.String()), "\n"); len(got) >= n && got[0] != "" {
			t.Cleanup(func() { cancel() })
			return got[:n], stop
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	t.Fatalf("no %d lines of output; got %q", n, out.String())
	return nil, nil
}

func client(t *testing.T, url, token string) *databricks.WorkspaceClient {
	t.Helper()
	w, err := databricks.NewWorkspaceClient(&databricks.Config{
		Host: url, Token: token, AuthType: "pat", RetryTimeoutSeconds: 10,
	})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// Two workspaces start: the first seeded with the sample, the second empty, each
// with its own workspace id; on cancel run returns nil and prints request counts.
func TestRunSourceAndTarget(t *testing.T) {
	lines, stop := startRun(t, 2, "--count", "2", "--sample", "--json", "--token", "dapi-test", "--workspace-id", "500")
	var ws [2]workspaceLine
	for i, l := range lines {
		if err := json.Unmarshal([]byte(l), &ws[i]); err != nil {
			t.Fatalf("line %d %q: %v", i, l, err)
		}
	}
	if ws[0].Seeded == nil || ws[0].Seeded.Jobs != 6 || ws[1].Seeded != nil {
		t.Fatalf("seeded = %+v / %+v, want the sample in the first only", ws[0].Seeded, ws[1].Seeded)
	}
	ctx := context.Background()
	for i, want := range []int{6, 0} {
		w := client(t, ws[i].URL, ws[i].Token)
		all, err := w.Jobs.ListAll(ctx, jobs.ListJobsRequest{})
		if err != nil || len(all) != want {
			t.Fatalf("workspace %d: %d jobs, %v; want %d", i, len(all), err, want)
		}
		id, err := w.CurrentWorkspaceID(ctx)
		if err != nil || id != int64(500+i) {
			t.Fatalf("workspace %d: id %d, %v; want %d", i, id, err, 500+i)
		}
	}
	out, err := stop()
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	var counts countsLine
	last := strings.Split(strings.TrimSpace(out), "\n")
	if err := json.Unmarshal([]byte(last[2]), &counts); err != nil || counts.Requests["GET /api/2.2/jobs/list"] != 1 {
		t.Fatalf("counts line %q: %+v, %v", last[2], counts, err)
	}
}

// The text form prints URL, token and workspace id per workspace, then counts.
func TestRunTextOutput(t *testing.T) {
	lines, stop := startRun(t, 1, "--synth", "notebooks=30,jobs=3,clusters=2", "--latency", "1ms", "--no-rate-limits")
	l := lines[0]
	for _, want := range []string{"workspace 0", "url=http://127.0.0.1:", "token=" + emulator.DefaultToken, "workspace_id=1234567890123456", "3 jobs"} {
		if !strings.Contains(l, want) {
			t.Fatalf("line %q lacks %q", l, want)
		}
	}
	url := strings.Fields(l[strings.Index(l, "url=")+4:])[0]
	if _, err := client(t, url, emulator.DefaultToken).CurrentUser.Me(context.Background()); err != nil {
		t.Fatal(err)
	}
	out, err := stop()
	if err != nil || !strings.Contains(out, "workspace 0 requests (1 in all):") || !strings.Contains(out, "GET /api/2.0/preview/scim/v2/Me") {
		t.Fatalf("output %q, err %v", out, err)
	}
}

// Clusters take the time the flags give them: a new cluster is still PENDING
// on its next read, and the printed OAuth client logs in.
func TestRunClusterDelaysAndOAuth(t *testing.T) {
	lines, stop := startRun(t, 1, "--json", "--cluster-start-delay", "1h")
	var ws workspaceLine
	if err := json.Unmarshal([]byte(lines[0]), &ws); err != nil {
		t.Fatal(err)
	}
	w, err := databricks.NewWorkspaceClient(&databricks.Config{Host: ws.URL, ClientID: ws.ClientID, ClientSecret: ws.ClientSecret,
		AuthType: "oauth-m2m", RetryTimeoutSeconds: 10})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	wait, err := w.Clusters.Create(ctx, compute.CreateCluster{SparkVersion: "15.4.x-scala2.12", NodeTypeId: "i3.xlarge", NumWorkers: 1})
	if err != nil {
		t.Fatalf("create with M2M: %v", err)
	}
	if c, err := w.Clusters.GetByClusterId(ctx, wait.ClusterId); err != nil || c.State != compute.StatePending {
		t.Fatalf("cluster = %v, %v; want PENDING", c.State, err)
	}
	if _, err := stop(); err != nil {
		t.Fatal(err)
	}
}

// A fixed port gives workspace i port P+i; port 0 lets each pick a free port.
func TestWorkspaceAddr(t *testing.T) {
	tests := []struct {
		addr string
		i    int
		want string
	}{
		{"127.0.0.1:0", 3, "127.0.0.1:0"},
		{"127.0.0.1:8765", 0, "127.0.0.1:8765"},
		{"127.0.0.1:8765", 1, "127.0.0.1:8766"},
		{"[::1]:9000", 2, "[::1]:9002"},
	}
	for _, tt := range tests {
		if got, err := workspaceAddr(tt.addr, tt.i); err != nil || got != tt.want {
			t.Errorf("workspaceAddr(%q, %d) = %q, %v; want %q", tt.addr, tt.i, got, err, tt.want)
		}
	}
}

// Bad command lines are usage errors that say what is wrong; non-loopback
// addresses need --allow-remote.
func TestParseFlagsErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--addr", "0.0.0.0:8080"}, "not a loopback address"},
		{[]string{"--addr", "192.168.1.5:0"}, "--allow-remote"},
		{[]string{"--sample", "--synth", "jobs=1"}, "mutually exclusive"},
		{[]string{"--count", "0"}, "--count must be at least 1"},
		{[]string{"--token", ""}, "--token must not be empty"},
		{[]string{"extra"}, "unexpected arguments: extra"},
		{[]string{"--bogus"}, "flag provided but not defined"},
		{[]string{"--addr", "nohost"}, "--addr"},
	}
	for _, tt := range tests {
		_, err := parseFlags(tt.args, &bytes.Buffer{})
		if !errors.As(err, new(usageError)) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: err = %v, want a usage error containing %q", tt.args, err, tt.want)
		}
	}
}

// Loopback names and addresses are accepted; anything else only when asked.
func TestParseFlagsLoopback(t *testing.T) {
	for _, args := range [][]string{
		{"--addr", "localhost:0"},
		{"--addr", "[::1]:0"},
		{"--addr", "127.0.0.2:9000"},
		{"--addr", "0.0.0.0:0", "--allow-remote"},
	} {
		if _, err := parseFlags(args, &bytes.Buffer{}); err != nil {
			t.Errorf("%v: %v", args, err)
		}
	}
}

// --synth takes key=N pairs for every SynthSpec count, and rejects anything else.
func TestParseSynth(t *testing.T) {
	spec, err := parseSynth("notebooks=10000,jobs=1000,clusters=200,pools=50,policies=20,files=7", 3)
	want := emulator.SynthSpec{Notebooks: 10000, Files: 7, Jobs: 1000, Clusters: 200, Pools: 50, Policies: 20, Seed: 3}
	if err != nil || spec != want {
		t.Fatalf("spec = %+v, %v; want %+v", spec, err, want)
	}
	for _, bad := range []string{"notebooks", "tables=3", "jobs=-1", "jobs=x", ""} {
		if _, err := parseSynth(bad, 1); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

// A broken estate file fails before anything starts, naming the file and line.
func TestRunBadEstateFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "estate.json")
	if err := os.WriteFile(path, []byte("{\n  \"jobs\": [,]\n}"), 0o600); err != nil {
		t.Fatal(err)
	}
	err := run(context.Background(), []string{"--estate", path}, &bytes.Buffer{}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "line 2") {
		t.Fatalf("err = %v", err)
	}
}

// An estate file is loaded and seeded; an already-cancelled context stops at once.
func TestRunEstateFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "estate.json")
	body := `{"secret_scopes":[{"scope":"s","keys":{"k":"v"}}]}`
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out bytes.Buffer
	if err := run(ctx, []string{"--estate", path}, &out, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "1 secret scopes (1 keys)") {
		t.Fatalf("output %q", out.String())
	}
}

// -h prints usage and is not an error for the caller to report.
func TestHelp(t *testing.T) {
	var stderr bytes.Buffer
	err := run(context.Background(), []string{"-h"}, &bytes.Buffer{}, &stderr)
	if !errors.Is(err, flag.ErrHelp) || !strings.Contains(stderr.String(), "-synth") {
		t.Fatalf("err = %v, usage %q", err, stderr.String())
	}
}

// --dr-region serves the second workspace with the DR-flavoured catalog of
// that region and, with --sample, seeds it with the DR estate.
func TestRunDRRegion(t *testing.T) {
	lines, _ := startRun(t, 2, "--count", "2", "--sample", "--json", "--dr-region", "us-east-1")
	var ws [2]workspaceLine
	for i, l := range lines {
		if err := json.Unmarshal([]byte(l), &ws[i]); err != nil {
			t.Fatalf("line %d %q: %v", i, l, err)
		}
	}
	if ws[0].Seeded == nil || ws[0].Seeded.Warehouses != 3 || ws[1].Seeded == nil || ws[1].Seeded.Warehouses != 2 || ws[1].Seeded.Jobs != 0 {
		t.Fatalf("seeded = %+v / %+v, want the sample then the DR estate", ws[0].Seeded, ws[1].Seeded)
	}
	ctx := context.Background()
	for i, want := range []string{"us-west-2a", "us-east-1a"} {
		zones, err := client(t, ws[i].URL, ws[i].Token).Clusters.ListZones(ctx)
		if err != nil || zones.DefaultZone != want {
			t.Fatalf("workspace %d zones = %+v, %v; want default %s", i, zones, err, want)
		}
	}
}
