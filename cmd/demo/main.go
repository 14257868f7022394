// Command demo is what `make demo` runs: two emulated workspaces on loopback,
// the source seeded with the sample estate, and the real drsync binary driven
// through a dry-run plan, a sync, a few changes in the source, a second sync
// and the status; then an audit-log delivery turned into a targeted sync,
// readiness, a failover, a change made in DR carried back by a reverse sync,
// a failback and readiness again. Each step is printed as a user would type
// it.
//
//	demo --drsync bin/drsync
//
// It lives apart from cmd/drsync so the operator CLI never links the emulator.
package main

import (
	"context"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/databricks/databricks-sdk-go"
	"github.com/databricks/databricks-sdk-go/service/jobs"
	"github.com/databricks/databricks-sdk-go/service/workspace"

	"github.com/drsync/drsync/shared/emulator"
)

func main() {
	drsync := flag.String("drsync", "bin/drsync", "the drsync binary to drive")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := runDemo(ctx, *drsync, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "demo: %v\n", err)
		os.Exit(1)
	}
}

func runDemo(ctx context.Context, drsync string, stdout, stderr io.Writer) error {
	if _, err := exec.LookPath(drsync); err != nil {
		return fmt.Errorf("drsync binary: %w (build it with `make build`)", err)
	}
	// Every step runs in the demo's folder (pair.json, audit-log files), so
	// the binary's path must not depend on the working directory.
	drsync, err := filepath.Abs(drsync)
	if err != nil {
		return err
	}
	src, tgt, err := startDemoWorkspaces()
	if err != nil {
		return err
	}
	defer func() { _, _ = src.Close(), tgt.Close() }()
	rep, err := src.Seed(emulator.SampleEstate())
	if err != nil {
		return fmt.Errorf("seed the source: %w", err)
	}
	// The DR workspace's own SQL warehouses, pipeline and notification
	// destinations (drsync does not copy them): jobs find them by name.
	if _, err := tgt.Seed(emulator.DREstate()); err != nil {
		return fmt.Errorf("seed the target: %w", err)
	}
	dir, err := os.MkdirTemp("", "drsync-demo-")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(dir) }()
	d := &demo{ctx: ctx, drsync: drsync, out: stdout, errw: stderr, src: src, tgt: tgt, dir: dir}
	if err := d.writeConfig(); err != nil {
		return err
	}
	if err := d.connect(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Two emulated Databricks workspaces on loopback:\n  source %s  (%s; sample estate: %d workspace objects, %d policies, %d pools, %d clusters, %d jobs)\n"+
		"  target %s  (%s DR workspace: its own warehouses, pipeline and destinations; no %s nodes, no %s runtime, no instance profile %s, no user %s)\n",
		src.URL(), emulator.PrimaryRegion, rep.Objects, rep.Policies, rep.Pools, rep.Clusters, rep.Jobs, tgt.URL(), drRegion,
		emulator.DRMissingNodeType, emulator.DRMissingSparkVersion, emulator.DRMissingProfile, emulator.DRMissingUser)
	return d.story(rep)
}

// sourceWorkspaceID is the source's workspace id, which its audit-log
// records carry.
const sourceWorkspaceID = 1001001001001001

// drRegion is the DR workspace's region: its catalog differs from the
// primary's (emulator.RegionCatalog).
const drRegion = "us-east-1"

func startDemoWorkspaces() (src, tgt *emulator.Server, err error) {
	src = emulator.New(emulator.Options{Seed: 1, WorkspaceID: sourceWorkspaceID})
	tgt = emulator.New(emulator.Options{Seed: 2, WorkspaceID: 2002002002002002, Catalog: emulator.RegionCatalog(drRegion)})
	if err = src.Start(); err != nil {
		return nil, nil, err
	}
	if err = tgt.Start(); err != nil {
		_ = src.Close()
		return nil, nil, err
	}
	return src, tgt, nil
}

type demo struct {
	ctx        context.Context
	drsync     string
	out        io.Writer
	errw       io.Writer
	src, tgt   *emulator.Server
	srcW, tgtW *databricks.WorkspaceClient // the data team's own clients
	dir        string
}

func (d *demo) configPath() string { return filepath.Join(d.dir, "pair.json") }

// connect builds the clients the demo changes the workspaces with, as a
// data team would, through the real SDK.
func (d *demo) connect() error {
	var err error
	for _, c := range []struct {
		srv *emulator.Server
		w   **databricks.WorkspaceClient
	}{{d.src, &d.srcW}, {d.tgt, &d.tgtW}} {
		if *c.w, err = databricks.NewWorkspaceClient(&databricks.Config{Host: c.srv.URL(), Token: c.srv.Token(), AuthType: "pat"}); err != nil {
			return err
		}
	}
	return nil
}

// regionRules are the pair's rewrite rules for what differs in the DR
// region: a node type it lacks, the runtime it offers instead, the instance
// profile registered there.
const regionRules = `
    {"field": "node_type_id", "kinds": ["pools"], "map": {"r5.2xlarge": "r5.xlarge"}},
    {"field": "spark_version", "regex": {"pattern": "^15\\.4\\.x-cpu-ml-", "replace": "15.4.x-"}},
    {"field": "aws_attributes.instance_profile_arn", "map": {"arn:aws:iam::123456789012:instance-profile/databricks-analytics": "arn:aws:iam::123456789012:instance-profile/analytics"}}`

// writeConfig writes the pair config a user would keep next to the CLI;
// extraRules are more rewrite rules.
func (d *demo) writeConfig(extraRules ...string) error {
	rules := regionRules
	for _, r := range extraRules {
		rules += ",\n    " + r
	}
	cfg := `{
  "pair": "demo",
  "source": {"host": "` + d.src.URL() + `", "region": "` + emulator.PrimaryRegion + `", "auth": {"type": "pat", "token_env": "DRSYNC_SOURCE_TOKEN"}},
  "target": {"host": "` + d.tgt.URL() + `", "region": "` + drRegion + `", "auth": {"type": "pat", "token_env": "DRSYNC_TARGET_TOKEN"}},
  "exclude": ["/Repos/**", "**/.Trash/**"],
  "rewrite": [` + rules + `
  ],
  "rate_limits": {"requests_per_second": 100, "export_per_second": 50, "import_per_second": 25, "jobs_create_per_second": 15, "concurrency": 8},
  "ledger": {"path": "` + filepath.Join(d.dir, "ledger.db") + `"}
}
`
	if err := os.Setenv("DRSYNC_SOURCE_TOKEN", d.src.Token()); err != nil {
		return err
	}
	if err := os.Setenv("DRSYNC_TARGET_TOKEN", d.tgt.Token()); err != nil {
		return err
	}
	return os.WriteFile(d.configPath(), []byte(cfg), 0o600)
}

// step prints a command the way a user would type it, then runs it in the
// demo's folder and returns its exit code.
func (d *demo) step(title string, args ...string) int {
	fmt.Fprintf(d.out, "\n=== %s\n$ drsync %s --config pair.json\n\n", title, joinArgs(args))
	cmd := exec.CommandContext(d.ctx, d.drsync, append(args, "--config", "pair.json")...)
	cmd.Dir, cmd.Stdout, cmd.Stderr = d.dir, d.out, d.out
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exit):
		return exit.ExitCode()
	}
	fmt.Fprintf(d.errw, "demo: run drsync: %v\n", err)
	return -1
}

func joinArgs(args []string) string { return strings.Join(args, " ") }

func (d *demo) story(rep emulator.SeedReport) error {
	fmt.Fprintf(d.out, "\npair.json rewrites what differs in %s:%s\n", drRegion, regionRules)
	// One job runs as a user DR does not have: it is blocked, with the
	// reason, until the platform team decides; everything else is applied.
	if err := d.expect(1, "1. What would a first sync do? (dry run: reads both workspaces, changes nothing; ! marks what DR cannot take)", "sync", "--dry-run"); err != nil {
		return err
	}
	if err := d.expect(1, "2. Sync: jobs arrive paused, clusters terminated and pinned, pools with no idle instances; the blocked job waits (exit 1)", "sync"); err != nil {
		return err
	}
	fmt.Fprintf(d.out, "\n=== 2b. The platform team decides: in DR, %s's jobs run as bob@example.com until %s exists there\n", emulator.DRMissingUser, emulator.DRMissingUser)
	if err := d.writeConfig(`{"field": "run_as.user_name", "map": {"` + emulator.DRMissingUser + `": "bob@example.com"}}`); err != nil {
		return err
	}
	fmt.Fprintf(d.out, "\n=== 3. Meanwhile, in the source workspace: edit a notebook, add one, delete a job, change another\n")
	if err := d.changeSource(rep); err != nil {
		return fmt.Errorf("change the source: %w", err)
	}
	if code := d.step("4. Sync again: only those changes", "sync"); code != 0 {
		return fmt.Errorf("second sync exited %d", code)
	}
	d.src.ResetRequests()
	d.tgt.ResetRequests()
	if code := d.step("5. Nothing changed since: the next run is quiet", "sync"); code != 0 {
		return fmt.Errorf("third sync exited %d", code)
	}
	fmt.Fprintf(d.out, "\nThat run made %d requests to the source and %d to the target: %d exports, %d writes.\n",
		total(d.src.Requests()), total(d.tgt.Requests()),
		d.src.RequestCount("GET /api/2.0/workspace/export")+d.tgt.RequestCount("GET /api/2.0/workspace/export"), writes(d.tgt.Requests()))
	if code := d.step("6. What the ledger knows", "status"); code != 0 {
		return fmt.Errorf("status exited %d", code)
	}
	return d.drStory()
}

// expect runs a step and fails the demo unless it exits want.
func (d *demo) expect(want int, title string, args ...string) error {
	if code := d.step(title, args...); code != want {
		return fmt.Errorf("demo step %q exited %d, want %d", title, code, want)
	}
	return nil
}

// writes counts the requests that change a workspace (every POST the emulator serves).
func writes(m map[string]int64) int64 {
	var n int64
	for ep, v := range m {
		if strings.HasPrefix(ep, "POST ") {
			n += v
		}
	}
	return n
}

func total(m map[string]int64) int64 {
	var n int64
	for _, v := range m {
		n += v
	}
	return n
}

// changeSource makes the changes a data team makes in a day, through the real SDK.
func (d *demo) changeSource(rep emulator.SeedReport) error {
	w := d.srcW
	put := func(path, src string) error { return d.putNotebook(w, path, src) }
	if err := put("/Shared/ml/model_monitoring", "# Databricks notebook source\nprint('drift check v2')\n"); err != nil {
		return err
	}
	fmt.Fprintln(d.out, "  edited   notebook /Shared/ml/model_monitoring")
	if err := put("/Shared/ml/feature_store_backfill", "# Databricks notebook source\nprint('backfill')\n"); err != nil {
		return err
	}
	fmt.Fprintln(d.out, "  created  notebook /Shared/ml/feature_store_backfill")
	jobID, err := strconv.ParseInt(rep.IDs["job:month-end-close"], 10, 64)
	if err != nil {
		return fmt.Errorf("sample estate has no job month-end-close: %w", err)
	}
	if err := w.Jobs.DeleteByJobId(d.ctx, jobID); err != nil {
		return err
	}
	fmt.Fprintln(d.out, "  deleted  job month-end-close")
	nightly, err := strconv.ParseInt(rep.IDs["job:nightly-orders"], 10, 64)
	if err != nil {
		return fmt.Errorf("sample estate has no job nightly-orders: %w", err)
	}
	if err := w.Jobs.Update(d.ctx, jobs.UpdateJob{JobId: nightly, NewSettings: &jobs.JobSettings{MaxConcurrentRuns: 2}}); err != nil {
		return err
	}
	fmt.Fprintln(d.out, "  changed  job nightly-orders: max_concurrent_runs 2")
	return nil
}

// putNotebook writes a Python notebook at path in w.
func (d *demo) putNotebook(w *databricks.WorkspaceClient, path, src string) error {
	return w.Workspace.Import(d.ctx, workspace.Import{Path: path, Format: workspace.ImportFormatSource,
		Language: workspace.LanguagePython, Overwrite: true, Content: base64.StdEncoding.EncodeToString([]byte(src))})
}
