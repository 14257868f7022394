package auditlog

import (
	"bytes"
	"fmt"
	"io"
	"regexp"
	"runtime"
	"testing"
)

// BenchmarkScan measures parse throughput (MB/s, records/s) of a generated
// audit-log object and the peak heap while scanning it. Peak heap must stay
// flat as the object grows: compare the 10MB and 100MB rows. Run with
// go test -run '^$' -bench BenchmarkScan -benchtime 3x ./shared/auditlog/
func BenchmarkScan(b *testing.B) {
	block := genBlock(b, 2000)
	for _, mb := range []int{10, 100} {
		b.Run(fmt.Sprintf("size=%dMB", mb), func(b *testing.B) {
			blocks := int64(mb<<20) / int64(len(block))
			size := blocks * int64(len(block))
			b.SetBytes(size)
			var records int
			var peak uint64
			b.ResetTimer()
			for b.Loop() {
				records, peak = scanGenerated(b, &repeatReader{block: block, left: size}, peak)
			}
			b.ReportMetric(float64(records)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
			// The reader holds one line at a time: a heap growing with the
			// object is the regression this benchmark exists to catch.
			if peak > 64<<20 {
				b.Fatalf("peak heap %d MiB while scanning %d MiB", peak>>20, mb)
			}
		})
	}
}

// scanGenerated scans r as the audit-log function does (classify, take the ID
// of each relevant record) and returns the records read and the peak heap.
func scanGenerated(b *testing.B, r io.Reader, peak uint64) (int, uint64) {
	var ms runtime.MemStats
	sample := func() {
		runtime.ReadMemStats(&ms)
		peak = max(peak, ms.HeapAlloc)
	}
	sum, err := Scan(b.Context(), r, Options{SourceWorkspaceID: sampleWorkspace, Events: testEvents}, func(e Entry) error {
		if e.Class == Relevant {
			_ = e.Record.ID()
		}
		if e.Record.Line%4096 == 0 { // ReadMemStats stops the world: sample
			sample()
		}
		return nil
	})
	sample()
	if err != nil || sum.Malformed != 0 {
		b.Fatalf("scan: %v, %d malformed", err, sum.Malformed)
	}
	return sum.Records, peak
}

var requestIDField = regexp.MustCompile(`"requestId":"[^"]*"`)

// genBlock returns n records built from the sample lines, each with its own
// request id, newline-terminated.
func genBlock(b *testing.B, n int) []byte {
	lines := bytes.Split(bytes.TrimSpace(readSample(b)), []byte("\n"))
	var buf bytes.Buffer
	for i := range n {
		id := fmt.Appendf(nil, `"requestId":"gen-%08d"`, i)
		buf.Write(requestIDField.ReplaceAll(lines[i%len(lines)], id))
		buf.WriteByte('\n')
	}
	return buf.Bytes()
}

// repeatReader serves block over and over until left bytes were read, so a
// 100 MB object is scanned without 100 MB in memory.
type repeatReader struct {
	block []byte
	off   int
	left  int64
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > r.left {
		p = p[:r.left]
	}
	n := copy(p, r.block[r.off:])
	r.off = (r.off + n) % len(r.block)
	r.left -= int64(n)
	return n, nil
}
