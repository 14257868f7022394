package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/drsync/drsync/shared/replication/crrtest"
)

// verifyBench is a replication bench whose clock started an hour ago (the
// CLI measures ages on the real clock), with data-east/tables/ replicating
// to data-west, and the AWS environment the CLI reads pointing at nothing
// of this machine's.
func verifyBench(t *testing.T) *crrtest.Bench {
	t.Helper()
	b := crrtest.New(t, crrtest.Options{Start: time.Now().Add(-time.Hour)})
	b.Bucket(t, "data-east", crrtest.SourceRegion, true)
	b.Bucket(t, "data-west", crrtest.TargetRegion, true)
	b.PutReplication(t, "data-east", crrtest.Rule("tables", "tables/", "data-west"))
	dir := t.TempDir()
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_REGION": "", "AWS_DEFAULT_REGION": "", "AWS_PROFILE": "",
		"AWS_CONFIG_FILE": filepath.Join(dir, "config"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials"),
		"AWS_ENDPOINT_URL": "", "AWS_ENDPOINT_URL_S3": "", "DRSYNC_AWS_ENDPOINT": "",
	} {
		t.Setenv(k, v)
	}
	return b
}

// verify runs `drsync verify-replication args...` in-process.
func verify(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(t.Context(), append([]string{"verify-replication"}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

func putTables(t *testing.T, b *crrtest.Bench, n int) {
	t.Helper()
	for i := range n {
		b.PutObject(t, "data-east", "tables/t/part-"+string(rune('a'+i)), "x")
	}
}

// --output json prints exactly the document, and a healthy pair
// exits 0.
func TestVerifyReplicationJSON(t *testing.T) {
	b := verifyBench(t)
	putTables(t, b, 3)
	b.Replicate()
	code, stdout, stderr := verify(t, "--source", "s3://data-east/tables/", "--target", "s3://data-west/tables/",
		"--rpo", "15m", "--output", "json", "--endpoint-url", b.URL(crrtest.SourceRegion))
	if code != exitOK {
		t.Fatalf("exit %d, stderr %s\n%s", code, stderr, stdout)
	}
	var doc map[string][]map[string]json.RawMessage
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil || len(doc) != 1 || len(doc["pairs"]) != 1 {
		t.Fatalf("not the document: %v\n%s", err, stdout)
	}
	var keys []string
	for k := range doc["pairs"][0] {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	want := "different,extra,findings,in_flight,matched,missing,oldest_unreplicated_age_seconds,rpo_breached,sample,source,target"
	if strings.Join(keys, ",") != want {
		t.Errorf("pair fields %v\nwant %s", keys, want)
	}
	if string(doc["pairs"][0]["matched"]) != "3" || string(doc["pairs"][0]["rpo_breached"]) != "false" || string(doc["pairs"][0]["sample"]) != "[]" {
		t.Errorf("pair %s", stdout)
	}
}

// An object older than the RPO that never reached DR exits 1 and names it.
func TestVerifyReplicationRPOViolated(t *testing.T) {
	b := verifyBench(t)
	putTables(t, b, 2)
	code, stdout, _ := verify(t, "--source", "s3://data-east/tables/", "--target", "s3://data-west/tables/",
		"--rpo", "15m", "--endpoint-url", b.URL(crrtest.SourceRegion))
	if code != exitFailed {
		t.Fatalf("exit %d, want %d\n%s", code, exitFailed, stdout)
	}
	for _, part := range []string{"UNHEALTHY", "missing 2", "beyond the RPO of 15m0s", "tables/t/part-a", "PENDING"} {
		if !strings.Contains(stdout, part) {
			t.Errorf("text report lacks %q:\n%s", part, stdout)
		}
	}
}

// The standard AWS_ENDPOINT_URL_S3 variable reaches an S3-compatible server
// (path-style), like --endpoint-url.
func TestVerifyReplicationEndpointFromEnvironment(t *testing.T) {
	b := verifyBench(t)
	t.Setenv("AWS_ENDPOINT_URL_S3", b.URL(crrtest.TargetRegion))
	code, stdout, stderr := verify(t, "--source", "s3://data-east/tables", "--target", "s3://data-west/tables")
	if code != exitOK || !strings.Contains(stdout, "HEALTHY") {
		t.Fatalf("exit %d: %s%s", code, stdout, stderr)
	}
}

// Bad flags are usage errors (exit 2) that name the flag.
func TestVerifyReplicationUsage(t *testing.T) {
	verifyBench(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "needs --source and --target"},
		{[]string{"--source", "s3://a"}, "target"},
		{[]string{"--source", "https://a", "--target", "s3://b"}, "source"},
		{[]string{"--source", "s3://a", "--target", "s3://b", "--rpo", "0s"}, "rpo"},
		{[]string{"--source", "s3://a", "--target", "s3://b", "--rpo", "soon"}, "rpo"},
		{[]string{"--source", "s3://a", "--target", "s3://b", "--output", "xml"}, "--output"},
	} {
		code, _, stderr := verify(t, c.args...)
		if code != exitUsage || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 mentioning %q", c.args, code, stderr, c.want)
		}
	}
}

// With --ledger the result is recorded, and `drsync status` shows the
// latest check of the bucket pair.
func TestVerifyReplicationRecordsForStatus(t *testing.T) {
	b := verifyBench(t)
	putTables(t, b, 1)
	db := filepath.Join(t.TempDir(), "ledger.db")
	if code, out, errs := verify(t, "--source", "s3://data-east/tables/", "--target", "s3://data-west/tables/",
		"--endpoint-url", b.URL(crrtest.SourceRegion), "--ledger", db); code != exitFailed {
		t.Fatalf("exit %d: %s%s", code, out, errs)
	}
	var out, errb bytes.Buffer
	if code := run(t.Context(), []string{"status", "--ledger", db}, &out, &errb); code != exitOK {
		t.Fatalf("status exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "s3://data-east/tables/ → s3://data-west/tables/") || !strings.Contains(out.String(), "UNHEALTHY") ||
		!strings.Contains(out.String(), "missing 1") {
		t.Errorf("status does not show the check:\n%s", out.String())
	}
}
