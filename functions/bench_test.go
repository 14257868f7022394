//go:build linux

package functions_test

import (
	"archive/zip"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkLambdaColdStart starts a fresh RIE with the sync function per
// iteration and times a cold start: RIE start to the first response, and
// the init phase the RIE reports (handler.Load: the config, both secrets from
// moto, the clients). The event is one the handler refuses at once (an
// unknown resource), so no sync time is counted.
//
//	go test -run '^$' -bench LambdaColdStart -benchtime 10x ./functions/
func BenchmarkLambdaColdStart(b *testing.B) {
	_, bins, env := newStack(b)
	refused := []byte(`{"detail-type":"Scheduled Event","source":"aws.events","detail":{"resources":"none"}}`)
	var first, initPhase time.Duration
	for range b.N {
		fn := startRIE(b, bins, "sync", env)
		if _, ferr := fn.invoke(b, refused); ferr == nil {
			b.Fatalf("the refused event was accepted\n%s", fn.tail())
		}
		fn.stop(b) // waits for its output, which holds the init report
		first += fn.first
		initPhase += fn.initDuration()
	}
	n := float64(b.N)
	b.ReportMetric(float64(first.Microseconds())/1e3/n, "ms-to-first-response")
	b.ReportMetric(float64(initPhase.Microseconds())/1e3/n, "ms-init")
}

// BenchmarkLambdaBinarySize builds both functions as they are deployed
// (linux/arm64, -tags lambda.norpc,grpcnotrace -ldflags "-s -w" -trimpath) and reports
// each binary's size and its deflated zip (what Lambda stores).
//
//	go test -run '^$' -bench LambdaBinarySize -benchtime 1x ./functions/
func BenchmarkLambdaBinarySize(b *testing.B) {
	dir := b.TempDir()
	begin := time.Now()
	if err := buildAll(dir, "arm64", false); err != nil {
		b.Fatal(err)
	}
	b.Logf("arm64 build: %v", time.Since(begin).Round(time.Millisecond))
	for range b.N {
		// The sizes are the measurement; there is nothing to repeat.
	}
	for _, name := range functionNames {
		path := bootstrap(dir, name)
		info, err := os.Stat(path)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(info.Size())/1e6, name+"-MB")
		b.ReportMetric(float64(zipSize(b, path))/1e6, name+"-zip-MB")
	}
}

// zipSize is the size of a deflated zip holding the file as "bootstrap".
func zipSize(b *testing.B, path string) int64 {
	b.Helper()
	out, err := os.Create(filepath.Join(b.TempDir(), "fn.zip"))
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = out.Close() }()
	zw := zip.NewWriter(out)
	w, err := zw.CreateHeader(&zip.FileHeader{Name: "bootstrap", Method: zip.Deflate})
	if err != nil {
		b.Fatal(err)
	}
	in, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = in.Close() }()
	if _, err := io.Copy(w, in); err != nil {
		b.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		b.Fatal(err)
	}
	info, err := out.Stat()
	if err != nil {
		b.Fatal(err)
	}
	return info.Size()
}
