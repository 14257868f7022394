package auditlog

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/drsync/drsync/shared/config"
	"github.com/drsync/drsync/shared/connect"
	"github.com/drsync/drsync/shared/emulator"
	"github.com/drsync/drsync/shared/emulator/emutest"
	"github.com/drsync/drsync/shared/ledger/bolt"
)

const sampleWorkspace = "1234567890123456"

// scanKeys scans data and returns the keys of its relevant records in order.
func scanKeys(t *testing.T, data []byte, o Options) ([]Key, Summary) {
	t.Helper()
	var keys []Key
	sum, err := Scan(t.Context(), bytes.NewReader(data), o, func(e Entry) error {
		if (e.Class == Relevant) != (len(e.Keys) > 0) {
			t.Errorf("line %d: class %v with keys %v", e.Record.Line, e.Class, e.Keys)
		}
		keys = append(keys, e.Keys...)
		return nil
	})
	if err != nil {
		t.Fatalf("Scan: %v", err)
	}
	return keys, sum
}

// TestScanSample protects the end-to-end reading of the reference sample:
// the keys an incremental sync gets from it, and the counts it reports.
func TestScanSample(t *testing.T) {
	keys, sum := scanKeys(t, readSample(t), Options{SourceWorkspaceID: sampleWorkspace, Events: testEvents})
	want := []Key{
		{"notebook", "/Users/alice@example.com/etl/ingest_orders"},
		{"notebook", "/Users/alice@example.com/etl/ingest_orders"}, {"notebook", "/Shared/etl/ingest_orders"},
		{"notebook", "/Users/alice@example.com/scratch"},
		{"job", "824367162954021"},
		{"job", "824367162954021"},
		{"cluster", "0926-131212-k8f3x2qa"},
		{"cluster", "0801-094512-old12345"},
		{"pool", "0926-120001-pool7-pool-a1b2c3d4"},
	}
	if !slices.Equal(keys, want) {
		t.Errorf("keys =\n%v\nwant\n%v", keys, want)
	}
	wantSum := Summary{Records: 10, Relevant: 8, Ignored: 2, Failed: 1}
	if !reflect.DeepEqual(sum, wantSum) {
		t.Errorf("summary = %+v, want %+v", sum, wantSum)
	}
	_, foreign := scanKeys(t, readSample(t), Options{SourceWorkspaceID: "42", Events: testEvents})
	if foreign.Foreign != 10 || foreign.Relevant != 0 {
		t.Errorf("another source workspace: summary %+v, want all 10 foreign", foreign)
	}
}

// TestScanMalformedCounted protects "malformed lines counted, the rest
// processed" through Scan, with the line numbers kept for the report.
func TestScanMalformedCounted(t *testing.T) {
	sample := bytes.Split(bytes.TrimSpace(readSample(t)), []byte("\n"))
	var data []byte
	for i, line := range sample {
		data = append(data, line...)
		data = append(data, '\n')
		if i%3 == 0 {
			data = append(data, "{broken\n"...)
		}
	}
	_, sum := scanKeys(t, data, Options{Events: testEvents})
	if sum.Records != 10 || sum.Relevant != 8 || sum.Malformed != 4 || !slices.Equal(sum.MalformedLines, []int{2, 6, 10, 14}) {
		t.Errorf("summary = %+v", sum)
	}
}

// TestRedeliveryDedupe protects exactly-once processing of overwritten
// objects: Databricks rewrites an object with more lines, and after marking
// record ids in the (real, bbolt) ledger the second delivery yields only the
// records that are new.
func TestRedeliveryDedupe(t *testing.T) {
	store, err := bolt.Open(filepath.Join(t.TempDir(), "ledger.db"), bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	full := readSample(t)
	lines := bytes.SplitAfter(full, []byte("\n"))
	first := bytes.Join(lines[:6], nil)

	fresh := func(data []byte) []int {
		var lines []int
		_, err := Scan(t.Context(), bytes.NewReader(data), Options{Events: testEvents}, func(e Entry) error {
			isNew, err := store.MarkProcessed(t.Context(), "pair", e.Record.ID(), time.Hour)
			if isNew {
				lines = append(lines, e.Record.Line)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return lines
	}
	if got := fresh(first); !slices.Equal(got, []int{1, 2, 3, 4, 5, 6}) {
		t.Errorf("first delivery: new lines %v, want 1-6", got)
	}
	if got := fresh(full); !slices.Equal(got, []int{7, 8, 9, 10}) {
		t.Errorf("second delivery (a superset): new lines %v, want 7-10", got)
	}
	if got := fresh(gz(t, full)); len(got) != 0 {
		t.Errorf("third delivery, same lines gzipped: new lines %v, want none", got)
	}
}

// uaRecorder remembers the User-Agent of every request.
type uaRecorder struct {
	mu  sync.Mutex
	uas []string
}

func (r *uaRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.uas = append(r.uas, req.Header.Get("User-Agent"))
	r.mu.Unlock()
	return http.DefaultTransport.RoundTrip(req)
}

// TestOwnWritesRealUserAgent protects the loop guard against drift in how
// drsync labels its requests: the User-Agent a drsync client really sends
// (built by package connect, seen on the wire) makes its audit records Own.
func TestOwnWritesRealUserAgent(t *testing.T) {
	srv, _ := emutest.Start(t, emulator.Options{})
	t.Setenv("AUDITLOG_TEST_TOKEN", srv.Token())
	rec := &uaRecorder{}
	w, err := connect.Workspace(t.Context(), connect.Target,
		config.Endpoint{Host: srv.URL(), Auth: config.Auth{Type: config.AuthPAT, TokenEnv: "AUDITLOG_TEST_TOKEN"}},
		connect.Options{Version: "v3.1.4", Transport: rec, RetryTimeout: 5 * time.Second, HTTPTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.CurrentUser.Me(t.Context()); err != nil {
		t.Fatal(err)
	}
	rec.mu.Lock()
	ua := rec.uas[len(rec.uas)-1]
	rec.mu.Unlock()
	t.Logf("User-Agent on the wire: %s", ua)
	line := `{"serviceName":"jobs","actionName":"create","requestId":"r","timestamp":1,` +
		`"userAgent":` + quote(ua) + `,"response":{"statusCode":200,"result":"{\"job_id\":1}"}}` + "\n" + validLine + "\n"
	_, sum := scanKeys(t, []byte(line), Options{Events: testEvents})
	if sum.Own != 1 || sum.Relevant != 1 {
		t.Errorf("UA %q: summary %+v, want 1 own and 1 relevant", ua, sum)
	}
}

func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// TestScanStops protects the caller's control: fn's error and a cancelled
// context end the scan with that error.
func TestScanStops(t *testing.T) {
	stop := errors.New("stop")
	calls := 0
	sum, err := Scan(t.Context(), bytes.NewReader(readSample(t)), Options{Events: testEvents}, func(Entry) error {
		calls++
		if calls == 3 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || sum.Records != 3 {
		t.Errorf("fn error: %v after %d records, want stop after 3", err, sum.Records)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := Scan(ctx, bytes.NewReader(readSample(t)), Options{Events: testEvents}, func(Entry) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: %v", err)
	}
	if _, err := Scan(t.Context(), bytes.NewReader([]byte{0x1f, 0x8b, 1}), Options{Events: testEvents}, func(Entry) error { return nil }); err == nil {
		t.Error("broken gzip object: no error")
	}
}

// TestSummaryMerge protects totals across several objects.
func TestSummaryMerge(t *testing.T) {
	var a, b Summary
	for i := 0; i < 15; i++ {
		a.AddMalformed(i)
		b.AddMalformed(100 + i)
	}
	a.Add(Relevant)
	b.Add(Own)
	b.Add(Unresolved)
	a.Merge(b)
	if a.Records != 3 || a.Relevant != 2 || a.Ignored != 1 || a.Own != 1 || a.Unresolved != 1 || a.Malformed != 30 ||
		len(a.MalformedLines) != maxMalformedLines || a.MalformedLines[15] != 100 {
		t.Errorf("merged = %+v", a)
	}
}

// TestPartitionWorkspaceID protects routing by the delivery key layout.
func TestPartitionWorkspaceID(t *testing.T) {
	id, err := PartitionWorkspaceID("audit/workspaceId=1234567890123456/date=2024-09-26/auditlogs_abc.json")
	if err != nil || id != "1234567890123456" {
		t.Errorf("got %q, %v", id, err)
	}
	if id, err := PartitionWorkspaceID("logs/workspaceId=0/date=2024-09-26/auditlogs_1.json"); err != nil || id != "0" {
		t.Errorf("account-level: %q, %v", id, err)
	}
	if _, err := PartitionWorkspaceID("logs/date=2024-09-26/x.json"); err == nil {
		t.Error("key without partition: no error")
	}
}

// endless is an input of size bytes of fill (generated, not held), which
// calls cancel once it has handed out cancelAt bytes, and counts what it gave.
type endless struct {
	fill           byte
	size, cancelAt int64
	read           int64
	cancel         context.CancelFunc
}

func (e *endless) Read(p []byte) (int, error) {
	if e.read >= e.size {
		return 0, io.EOF
	}
	n := int(min(int64(len(p)), e.size-e.read))
	for i := range n {
		p[i] = e.fill
	}
	e.read += int64(n)
	if e.read >= e.cancelAt {
		e.cancel()
	}
	return n, nil
}

// TestScanStopsInsideSkippedLines protects item 10 of issue 10: a context
// cancelled while Scan skips blank lines or one over-long line stops the scan
// within a read buffer, with ctx's error. On main it read all 64 MiB and
// returned nil (a 500 ms deadline was overrun by 22 s on a real object).
func TestScanStopsInsideSkippedLines(t *testing.T) {
	t.Parallel()
	const size, cancelAt = 64 << 20, 1 << 20
	for name, fill := range map[string]byte{"blank lines": '\n', "one long line": 'x'} {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			in := &endless{fill: fill, size: size, cancelAt: cancelAt, cancel: cancel}
			_, err := Scan(ctx, in, Options{}, func(Entry) error { return nil })
			if !errors.Is(err, context.Canceled) || err != ctx.Err() {
				t.Errorf("Scan = %v, want ctx's error %v", err, ctx.Err())
			}
			if limit := int64(cancelAt + 2*bufSize); in.read > limit {
				t.Errorf("Scan read %d bytes, %d after the cancel; want at most %d", in.read, in.read-cancelAt, limit)
			}
		})
	}
}
