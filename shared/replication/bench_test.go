//go:build linux

package replication_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/drsync/drsync/shared/replication/crrtest"
)

// BenchmarkReplicationCheck compares `drsync verify-replication` with
// `rclone check --one-way --fast-list` on the same two buckets of one local
// S3 (the crrtest bench, gofakes3), at 10,000 and 100,000 objects: 100
// tables of Parquet parts, replicated, then 10 objects removed from DR and
// 10 rewritten there with another size. Both run as processes, so each
// reports its own wall time, requests served and peak RSS; both must find
// the same 10 missing and 10 different objects.
//
//	make bench-replication   (installs Debian's rclone when missing)
func BenchmarkReplicationCheck(b *testing.B) {
	rclone, err := exec.LookPath("rclone")
	if err != nil {
		b.Skip("rclone is not installed: `make tools-rclone` (Debian's package)")
	}
	drsync := buildDrsync(b)
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("objects=%d", n), func(b *testing.B) {
			bench := seedBench(b, n)
			var ours, theirs toolRun
			for range b.N {
				ours = runTool(b, bench, drsync, verifyArgs(bench), nil)
				theirs = runTool(b, bench, rclone, rcloneArgs(), rcloneEnv(bench))
			}
			checkFindings(b, ours, theirs)
			b.ReportMetric(ours.wall.Seconds(), "drsync-s")
			b.ReportMetric(theirs.wall.Seconds(), "rclone-s")
			b.ReportMetric(theirs.wall.Seconds()/ours.wall.Seconds(), "speedup-x")
			b.ReportMetric(float64(ours.requests), "drsync-requests")
			b.ReportMetric(float64(theirs.requests), "rclone-requests")
			b.ReportMetric(ours.peakMB, "drsync-peak-MB")
			b.ReportMetric(theirs.peakMB, "rclone-peak-MB")
		})
	}
}

// toolRun is one process's run: what it printed and what it cost.
type toolRun struct {
	out, log []byte // stdout, stderr
	wall     time.Duration
	requests int64
	peakMB   float64
}

// buildDrsync builds the CLI as an operator would run it.
func buildDrsync(b *testing.B) string {
	b.Helper()
	bin := filepath.Join(b.TempDir(), "drsync")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/drsync/drsync/cmd/drsync")
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("build drsync: %v\n%s", err, out)
	}
	return bin
}

// seedBench fills bench-east/tables/ with n objects in 100 tables, lets
// them replicate to bench-west, then makes 10 missing and 10 different.
func seedBench(b *testing.B, n int) *crrtest.Bench {
	b.Helper()
	bench := crrtest.New(b, crrtest.Options{Start: time.Now().Add(-time.Hour)})
	bench.Bucket(b, "bench-east", crrtest.SourceRegion, true)
	bench.Bucket(b, "bench-west", crrtest.TargetRegion, true)
	bench.PutReplication(b, "bench-east", crrtest.Rule("tables", "tables/", "bench-west"))
	for i := range n {
		key := fmt.Sprintf("tables/t%03d/part-%05d-c000.snappy.parquet", i%100, i/100)
		if err := bench.Put("bench-east", key, fmt.Appendf(nil, "parquet bytes of part %d", i), nil); err != nil {
			b.Fatal(err)
		}
	}
	bench.Replicate()
	for i := range 10 {
		bench.DeleteObject(b, "bench-west", fmt.Sprintf("tables/t%03d/part-%05d-c000.snappy.parquet", 7*i, 3))
		bench.PutObject(b, "bench-west", fmt.Sprintf("tables/t%03d/part-%05d-c000.snappy.parquet", 7*i+1, 4), "rewritten in DR, longer")
	}
	return bench
}

func verifyArgs(bench *crrtest.Bench) []string {
	return []string{"verify-replication", "--source", "s3://bench-east/tables/", "--target", "s3://bench-west/tables/",
		"--rpo", "15m", "--output", "json", "--endpoint-url", bench.URL(crrtest.SourceRegion)}
}

func rcloneArgs() []string {
	return []string{"check", "--one-way", "--fast-list", "bench:bench-east/tables", "bench:bench-west/tables"}
}

// rcloneEnv configures rclone's "bench" remote on the same endpoint.
// AWS_CA_BUNDLE is dropped: rclone refuses it with its own transport.
func rcloneEnv(bench *crrtest.Bench) []string {
	return []string{
		"AWS_CA_BUNDLE=", "RCLONE_CONFIG=" + os.DevNull,
		"RCLONE_CONFIG_BENCH_TYPE=s3", "RCLONE_CONFIG_BENCH_PROVIDER=Other",
		"RCLONE_CONFIG_BENCH_ENDPOINT=" + bench.URL(crrtest.SourceRegion), "RCLONE_CONFIG_BENCH_REGION=us-east-1",
		"RCLONE_CONFIG_BENCH_ACCESS_KEY_ID=test", "RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY=test",
		"RCLONE_CONFIG_BENCH_FORCE_PATH_STYLE=true",
	}
}

// runTool runs one tool to the end (exit 1 is its verdict on the
// differences) and measures it.
func runTool(b *testing.B, bench *crrtest.Bench, bin string, args, env []string) toolRun {
	b.Helper()
	bench.ResetRequests()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "AWS_CA_BUNDLE=") }),
		append([]string{"AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "AWS_REGION=us-east-1"}, env...)...)
	var out, log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &log
	start := time.Now()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	peak := watchPeak(cmd.Process.Pid)
	err := cmd.Wait()
	wall := time.Since(start)
	if exit, ok := err.(*exec.ExitError); err != nil && (!ok || exit.ExitCode() != 1) {
		b.Fatalf("%s: %v\n%s%s", filepath.Base(bin), err, out.Bytes(), log.Bytes())
	}
	return toolRun{out: out.Bytes(), log: log.Bytes(), wall: wall, requests: crrtest.Total(bench.Requests()), peakMB: float64(peak.Load()) / 1024}
}

// watchPeak follows a process's peak resident memory in KiB: the VmHWM of
// its own address space, read every 10 ms until it exits. (rusage's maxrss
// would count this process's memory too: the child shares it until exec.)
func watchPeak(pid int) *atomic.Int64 {
	peak := &atomic.Int64{}
	go func() {
		status := fmt.Sprintf("/proc/%d/status", pid)
		for {
			data, err := os.ReadFile(status)
			if err != nil {
				return // gone
			}
			for line := range strings.Lines(string(data)) {
				if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
					if kb, err := strconv.ParseInt(f[1], 10, 64); err == nil && kb > peak.Load() {
						peak.Store(kb)
					}
				}
			}
			time.Sleep(10 * time.Millisecond)
		}
	}()
	return peak
}

// checkFindings fails unless both tools found the 10 missing and 10
// different objects: a faster wrong answer is no result.
func checkFindings(b *testing.B, ours, theirs toolRun) {
	b.Helper()
	var rep struct {
		Pairs []struct {
			Missing   int64 `json:"missing"`
			Different int64 `json:"different"`
		} `json:"pairs"`
	}
	if err := json.Unmarshal(ours.out, &rep); err != nil || len(rep.Pairs) != 1 || rep.Pairs[0].Missing != 10 || rep.Pairs[0].Different != 10 {
		b.Fatalf("drsync did not find 10 missing and 10 different (%v):\n%s", err, ours.out)
	}
	for _, want := range []string{"10 files missing", "20 differences found"} {
		if !bytes.Contains(theirs.log, []byte(want)) {
			b.Fatalf("rclone did not report %q:\n%s", want, theirs.log)
		}
	}
}
