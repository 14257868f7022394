package auditlog

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"slices"
	"strings"
	"testing"
)

const samplePath = "testdata/audit-sample.jsonl"

func readSample(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile(samplePath)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// readAll returns the records of data and the line numbers of its malformed
// lines, failing the test on a fatal error.
func readAll(t testing.TB, data []byte) ([]*Record, []int) {
	t.Helper()
	rd, err := NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("NewReader: %v", err)
	}
	var recs []*Record
	var bad []int
	for {
		rec, err := rd.Next()
		var le *LineError
		switch {
		case errors.Is(err, io.EOF):
			return recs, bad
		case errors.As(err, &le):
			bad = append(bad, le.Line)
		case err != nil:
			t.Fatalf("Next: %v", err)
		default:
			recs = append(recs, rec)
		}
	}
}

func gz(t testing.TB, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestReadSample protects decoding of the reference's sample records: every
// field the mapping and dedupe need, in the shapes Databricks delivers.
func TestReadSample(t *testing.T) {
	recs, bad := readAll(t, readSample(t))
	if len(recs) != 10 || len(bad) != 0 {
		t.Fatalf("got %d records, malformed lines %v; want 10, none", len(recs), bad)
	}
	first := recs[0]
	if first.Line != 1 || first.Timestamp != 1727354712345 || first.WorkspaceID != "1234567890123456" ||
		first.OrgID != "1234567890123456" || first.ServiceName != "notebook" || first.ActionName != "createNotebook" ||
		first.RequestID != "ServiceMain-4f8a2b9c1d0e0001" || first.UserEmail != "alice@example.com" ||
		first.StatusCode != 200 || first.Result != "" || first.Version != "2.0" ||
		first.Params["path"] != "/Users/alice@example.com/etl/ingest_orders" {
		t.Errorf("first record = %+v", first)
	}
	if got := recs[3].Result; got != `{"job_id":824367162954021}` {
		t.Errorf("jobs create result = %q", got)
	}
	if got := recs[3].Params["tasks"]; !strings.HasPrefix(got, `[{"task_key":"ingest"`) {
		t.Errorf("tasks param = %q, want the JSON string as delivered", got)
	}
	last := recs[9]
	if last.Line != 10 || last.StatusCode != 400 || !strings.HasPrefix(last.ErrorMessage, "INVALID_PARAMETER_VALUE") {
		t.Errorf("last record = %+v", last)
	}
}

// TestReadGzip protects the defensive gzip path: a gzip object (even in
// several members) yields the same records as the plain one.
func TestReadGzip(t *testing.T) {
	plain := readSample(t)
	want, _ := readAll(t, plain)
	half := bytes.Index(plain, []byte("\n{\"version\"")) + 1
	for name, data := range map[string][]byte{
		"one member":  gz(t, plain),
		"two members": append(gz(t, plain[:half]), gz(t, plain[half:])...),
	} {
		got, bad := readAll(t, data)
		if len(got) != len(want) || len(bad) != 0 {
			t.Errorf("%s: %d records, malformed %v; want %d", name, len(got), bad, len(want))
			continue
		}
		for i := range got {
			if got[i].ID() != want[i].ID() {
				t.Errorf("%s: record %d differs from the plain read", name, i)
			}
		}
	}
}

// TestReadCorruptGzip protects against silently losing a broken object: a bad
// gzip header fails NewReader and a truncated stream is a fatal error, not a
// malformed line.
func TestReadCorruptGzip(t *testing.T) {
	if _, err := NewReader(bytes.NewReader([]byte{0x1f, 0x8b, 0, 0})); err == nil {
		t.Error("NewReader on a broken gzip header: no error")
	}
	data := gz(t, readSample(t))
	rd, err := NewReader(bytes.NewReader(data[:len(data)/2]))
	if err != nil {
		t.Fatal(err)
	}
	for {
		_, err := rd.Next()
		var le *LineError
		if errors.As(err, &le) {
			t.Fatalf("truncated gzip reported as malformed line: %v", err)
		}
		if errors.Is(err, io.EOF) {
			t.Fatal("truncated gzip read to a clean end")
		}
		if err != nil {
			if _, again := rd.Next(); again == nil || again.Error() != err.Error() {
				t.Errorf("fatal error not sticky: %v then %v", err, again)
			}
			return
		}
	}
}

// TestReadEmpty protects the edge of an empty object and one of blank lines.
func TestReadEmpty(t *testing.T) {
	for _, data := range []string{"", "\n\n  \r\n"} {
		recs, bad := readAll(t, []byte(data))
		if len(recs) != 0 || len(bad) != 0 {
			t.Errorf("%q: %d records, malformed %v", data, len(recs), bad)
		}
	}
}

const validLine = `{"serviceName":"jobs","actionName":"delete","requestId":"r1","timestamp":1,"requestParams":{"job_id":"5"},"response":{"statusCode":200}}`

// TestMalformedLines protects "malformed lines are counted, the rest
// processed": each kind of bad line is reported with its line number and the
// valid records around it are all read, including after an overlong line and
// a last line with no newline.
func TestMalformedLines(t *testing.T) {
	lines := []string{
		validLine,                // 1
		`not json`,               // 2 bad
		``,                       // 3 blank, skipped
		`[1,2,3]`,                // 4 bad: not an object
		`null`,                   // 5 bad: not a record
		`{}`,                     // 6 bad: no service/action
		`{"serviceName":"jobs"}`, // 7 bad: no action
		`{"serviceName":"jobs","actionName":"delete","requestParams":"x"}`,     // 8 bad params
		`{"serviceName":"jobs","actionName":"delete","timestamp":"yesterday"}`, // 9 bad timestamp
		`{"serviceName":"jobs","actionName":"delete","response":[]}`,           // 10 bad response
		validLine + ` trailing`, // 11 bad: trailing data
		`{"serviceName":"jobs","actionName":"delete"` + strings.Repeat(" ", MaxLine) + `}`, // 12 too long
		validLine + "\r",               // 13 CRLF ending
		strings.Repeat("x", 3*MaxLine), // 14 too long, several buffers
		validLine,                      // 15, no newline at the end
	}
	recs, bad := readAll(t, []byte(strings.Join(lines, "\n")))
	wantBad := []int{2, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14}
	if !slices.Equal(bad, wantBad) {
		t.Errorf("malformed lines = %v, want %v", bad, wantBad)
	}
	var got []int
	for _, r := range recs {
		got = append(got, r.Line)
	}
	if !slices.Equal(got, []int{1, 13, 15}) {
		t.Errorf("record lines = %v, want [1 13 15]", got)
	}
}

// TestLineErrorKinds protects the error classes callers can ask about.
func TestLineErrorKinds(t *testing.T) {
	data := `{}` + "\n" + strings.Repeat("x", MaxLine+1) + "\n"
	rd, err := NewReader(strings.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rd.Next(); !errors.Is(err, ErrNotRecord) {
		t.Errorf("line 1: %v, want ErrNotRecord", err)
	}
	if _, err := rd.Next(); !errors.Is(err, ErrLineTooLong) {
		t.Errorf("line 2: %v, want ErrLineTooLong", err)
	}
	if _, err := rd.Next(); !errors.Is(err, io.EOF) {
		t.Errorf("end: %v, want io.EOF", err)
	}
}

// TestMaxLineBoundary protects the documented limit: a line of MaxLine bytes
// including its newline is read, one byte more is malformed.
func TestMaxLineBoundary(t *testing.T) {
	pad := func(n int) string { // a record line of n bytes, newline included
		head := validLine[:len(validLine)-1]
		return head + strings.Repeat(" ", n-len(validLine)-1) + "}\n"
	}
	recs, bad := readAll(t, []byte(pad(MaxLine)+pad(MaxLine+1)+pad(MaxLine-1)))
	if len(recs) != 2 || recs[0].Line != 1 || recs[1].Line != 3 || !slices.Equal(bad, []int{2}) {
		t.Errorf("records %d, malformed %v; want lines 1 and 3 read, 2 malformed", len(recs), bad)
	}
}

// TestLenientShapes protects the parser rules of the reference: unknown keys,
// ids as numbers or strings, non-string parameter values kept as JSON text,
// result as a JSON string, an object or null, statusCode and timestamp as
// strings, top-level key casing.
func TestLenientShapes(t *testing.T) {
	line := `{"ServiceName":"jobs","actionName":"create","extra":{"x":[1]},"requestId":123,` +
		`"orgId":1234,"workspaceId":"5678","timestamp":"1727354712345",` +
		`"requestParams":{"max_concurrent_runs":1,"tags":{"a": "b"},"flag":true,"none":null,"name":"n"},` +
		`"response":{"statusCode":"200","result":{"job_id": 9007199254740993}},"userIdentity":null}`
	recs, bad := readAll(t, []byte(line))
	if len(recs) != 1 || len(bad) != 0 {
		t.Fatalf("got %d records, malformed %v", len(recs), bad)
	}
	r := recs[0]
	want := map[string]string{"max_concurrent_runs": "1", "tags": `{"a":"b"}`, "flag": "true", "none": "", "name": "n"}
	for key, v := range want {
		if r.Params[key] != v {
			t.Errorf("param %s = %q, want %q", key, r.Params[key], v)
		}
	}
	if r.RequestID != "123" || r.OrgID != "1234" || r.Workspace() != "5678" || r.Timestamp != 1727354712345 || r.StatusCode != 200 {
		t.Errorf("record = %+v", r)
	}
	if keys, class := testEvents.Map(r); class != Relevant || len(keys) != 1 || keys[0] != (Key{"job", "9007199254740993"}) {
		t.Errorf("Map = %v, %v", keys, class)
	}
	noResponse := `{"serviceName":"jobs","actionName":"delete","requestParams":null,"response":null,"timestamp":1.727354712345e12}`
	recs, _ = readAll(t, []byte(noResponse))
	if len(recs) != 1 || recs[0].StatusCode != 0 || len(recs[0].Params) != 0 || recs[0].Timestamp != 1727354712345 {
		t.Fatalf("null params/response: %+v", recs)
	}
	if _, class := testEvents.Map(recs[0]); class != Failed {
		t.Errorf("record without a response: class %v, want failed", class)
	}
}

// TestRecordID protects deduplication: the same record (even with its
// parameters in another order) has one ID, and each identity field changes it.
func TestRecordID(t *testing.T) {
	base := Record{RequestID: "r", Timestamp: 1, ServiceName: "jobs", ActionName: "update", Params: p("job_id", "1", "x", "y")}
	reordered := base
	reordered.Params = p("x", "y", "job_id", "1")
	reordered.Line = 99
	if base.ID() != reordered.ID() {
		t.Error("ID depends on parameter order or line number")
	}
	if len(base.ID()) != 64 {
		t.Errorf("ID %q is not a hex SHA-256", base.ID())
	}
	variants := []func(*Record){
		func(r *Record) { r.RequestID = "r2" },
		func(r *Record) { r.Timestamp = 2 },
		func(r *Record) { r.ServiceName = "clusters" },
		func(r *Record) { r.ActionName = "reset" },
		func(r *Record) { r.Params = p("job_id", "2", "x", "y") },
		func(r *Record) { r.Params = p("job_id", "1", "xy", "") },
	}
	for i, change := range variants {
		v := base
		change(&v)
		if v.ID() == base.ID() {
			t.Errorf("variant %d has the same ID", i)
		}
	}
}
