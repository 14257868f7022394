package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// auditSample is the reference sample, kept with the package that parses it.
const auditSample = "../../shared/auditlog/testdata/audit-sample.jsonl"

// auditKeys runs `drsync audit-keys` through its cobra command with stdin,
// mapping errors to exit codes as run does.
func auditKeys(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	cmd := newAuditKeysCmd(&out, &errb)
	cmd.SetArgs(args)
	cmd.SetIn(strings.NewReader(stdin))
	cmd.SetOut(&out)
	cmd.SetErr(&errb)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	err := cmd.ExecuteContext(t.Context())
	var ee *exitError
	switch {
	case err == nil:
		return exitOK, out.String(), errb.String()
	case errors.As(err, &ee):
		return ee.code, out.String(), errb.String() + ee.Error()
	default:
		return exitUsage, out.String(), errb.String() + err.Error()
	}
}

func decodeReport(t *testing.T, stdout string) auditKeysReport {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(stdout))
	dec.DisallowUnknownFields()
	var rep auditKeysReport
	if err := dec.Decode(&rep); err != nil {
		t.Fatalf("stdout is not the report: %v\n%s", err, stdout)
	}
	if dec.More() {
		t.Fatalf("stdout holds more than one JSON document:\n%s", stdout)
	}
	return rep
}

func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestAuditKeysSample protects the command's contract on the reference
// sample: one JSON document with exactly the documented fields, counts, and
// keys sorted by kind then key with the number of records naming each.
func TestAuditKeysSample(t *testing.T) {
	code, stdout, stderr := auditKeys(t, "", auditSample)
	if code != exitOK || stderr != "" {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal([]byte(stdout), &fields); err != nil {
		t.Fatal(err)
	}
	var names []string
	for k := range fields {
		names = append(names, k)
	}
	slices.Sort(names)
	if want := []string{"ignored", "keys", "malformed", "records", "relevant", "unresolved"}; !slices.Equal(names, want) {
		t.Errorf("fields %v, want %v", names, want)
	}
	rep := decodeReport(t, stdout)
	want := auditKeysReport{Records: 10, Relevant: 8, Ignored: 2, Malformed: 0, Keys: []keyCount{
		{"cluster", "0801-094512-old12345", 1},
		{"cluster", "0926-131212-k8f3x2qa", 1},
		{"job", "824367162954021", 2},
		{"notebook", "/Shared/etl/ingest_orders", 1},
		{"notebook", "/Users/alice@example.com/etl/ingest_orders", 2},
		{"notebook", "/Users/alice@example.com/scratch", 1},
		{"pool", "0926-120001-pool7-pool-a1b2c3d4", 1},
	}}
	if !reflect.DeepEqual(rep, want) {
		t.Errorf("report =\n%+v\nwant\n%+v", rep, want)
	}
}

// TestAuditKeysMalformedAndGzip protects exit 0 when lines are malformed
// (counted, noted on stderr with the file, the rest processed), gzip input,
// several files and standard input ("-") read together, the same records in
// each counted once.
func TestAuditKeysMalformedAndGzip(t *testing.T) {
	sample, err := os.ReadFile(auditSample)
	if err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	w := gzip.NewWriter(&gz)
	_, _ = w.Write(sample)
	_ = w.Close()
	bad := writeFile(t, "bad.json", append([]byte("not json\n{}\n"), sample...))
	zipped := writeFile(t, "auditlogs_1.json", gz.Bytes())

	code, stdout, stderr := auditKeys(t, string(sample), bad, zipped, "-")
	if code != exitOK {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	rep := decodeReport(t, stdout)
	if rep.Records != 10 || rep.Relevant != 8 || rep.Ignored != 2 || rep.Malformed != 2 {
		t.Errorf("counts = %+v", rep)
	}
	if len(rep.Keys) != 7 || rep.Keys[2] != (keyCount{"job", "824367162954021", 2}) {
		t.Errorf("keys = %+v", rep.Keys)
	}
	if !strings.Contains(stderr, bad) || !strings.Contains(stderr, "line 1, 2") {
		t.Errorf("stderr %q does not name the file and its malformed lines", stderr)
	}
}

// TestAuditKeysWorkspaceFilter protects --workspace-id: another workspace's
// records name no keys.
func TestAuditKeysWorkspaceFilter(t *testing.T) {
	code, stdout, _ := auditKeys(t, "", "--workspace-id", "42", auditSample)
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	if rep := decodeReport(t, stdout); rep.Ignored != 10 || len(rep.Keys) != 0 || !strings.Contains(stdout, `"keys": []`) {
		t.Errorf("report = %+v\n%s", rep, stdout)
	}
}

// TestAuditKeysUnreadable protects exit 2 with the file named (and no
// half-report on stdout) for a missing file, a directory, a corrupt gzip
// object, and no file at all.
func TestAuditKeysUnreadable(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope.json")
	dir := t.TempDir()
	corrupt := writeFile(t, "corrupt.json", []byte{0x1f, 0x8b, 0x08, 0, 0, 0})
	for _, args := range [][]string{{auditSample, missing}, {dir}, {corrupt}, {}} {
		code, stdout, stderr := auditKeys(t, "", args...)
		if code != exitUsage || stdout != "" {
			t.Errorf("%v: exit %d, stdout %q; want 2 and nothing printed", args, code, stdout)
		}
		if len(args) > 0 && !strings.Contains(stderr, args[len(args)-1]) {
			t.Errorf("%v: message %q does not name the file", args, stderr)
		}
	}
}

// Databricks rewrites a delivered object with more lines later: given the
// first delivery and the rewritten one, each record is counted once, in
// records and in the events of its keys.
func TestAuditKeysRedelivery(t *testing.T) {
	sample, err := os.ReadFile(auditSample)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(sample), "\n")
	first := writeFile(t, "auditlogs_1.json", []byte(strings.Join(lines[:5], "")))
	rewritten := writeFile(t, "auditlogs_1b.json", sample)
	code, stdout, stderr := auditKeys(t, "", first, rewritten)
	if code != exitOK {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	_, alone, _ := auditKeys(t, "", rewritten)
	if got, want := decodeReport(t, stdout), decodeReport(t, alone); !reflect.DeepEqual(got, want) {
		t.Errorf("first + rewritten delivery =\n%+v\nwant what the rewritten one alone gives\n%+v", got, want)
	}
}

// The contract's kinds only: a workspace-service record of a file is a file
// key, its /Workspace prefix stripped; a node of unknown type is counted as
// unresolved, never listed as a kind of its own.
func TestAuditKeysKindsOfTheContract(t *testing.T) {
	records := `{"serviceName":"workspace","actionName":"fileCreate","requestId":"a","timestamp":1,` +
		`"requestParams":{"path":"/Workspace/Shared/lib/util.py"},"response":{"statusCode":200}}
{"serviceName":"workspace","actionName":"createWorkspaceNode","requestId":"b","timestamp":2,` +
		`"requestParams":{"path":"/Workspace/Shared/x"},"response":{"statusCode":200}}
`
	code, stdout, stderr := auditKeys(t, records, "-")
	if code != exitOK {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	rep := decodeReport(t, stdout)
	want := auditKeysReport{Records: 2, Relevant: 2, Unresolved: 1, Keys: []keyCount{{"file", "/Shared/lib/util.py", 1}}}
	if !reflect.DeepEqual(rep, want) {
		t.Errorf("report = %+v, want %+v", rep, want)
	}
}
