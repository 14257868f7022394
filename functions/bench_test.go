//go:build linux

package functions_test

import (
	"archive/zip"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/drsync/drsync/shared/handler/handlertest"
	"github.com/drsync/drsync/shared/localstack"
	"github.com/drsync/drsync/shared/sfntest/rie"
)

// coldEvents are, per function, an event it answers at once without doing
// any work: sync refuses an unknown resource, auditlog an event that is not
// an S3 "Object Created", replcheck finds no bucket pair in the stack's
// config, and failover refuses an unknown step.
var coldEvents = map[string]string{
	"sync":      `{"detail-type":"Scheduled Event","source":"aws.events","detail":{"resources":"none"}}`,
	"auditlog":  `{"detail-type":"Scheduled Event","source":"aws.events","detail":{}}`,
	"replcheck": `{"detail-type":"Scheduled Event","source":"aws.events","detail":{}}`,
	"failover":  `{"step":"none","state":{"direction":"failover"}}`,
}

// BenchmarkLambdaColdStart starts a fresh RIE per iteration for each
// function and times a cold start: RIE start to the first response, and the
// init phase the RIE reports (the config, and for sync and auditlog both
// secrets from moto, the clients). The events (coldEvents) are answered at
// once, so no work is counted.
//
//	go test -run '^$' -bench LambdaColdStart -benchtime 10x ./functions/
func BenchmarkLambdaColdStart(b *testing.B) {
	s := localstack.New(b, handlertest.Options{})
	for _, name := range localstack.Functions {
		b.Run(name, func(b *testing.B) {
			var first, initPhase time.Duration
			for range b.N {
				fn := s.Start(b, name)
				_, ferr := fn.Invoke(b, []byte(coldEvents[name]))
				if refused := name != "replcheck"; refused != (ferr != nil) {
					b.Fatalf("%s answered %v to its cold-start event\n%s", name, ferr, fn.Tail())
				}
				fn.Stop(b) // waits for its output, which holds the init report
				first += fn.RIE.FirstResponse()
				initPhase += fn.RIE.InitDuration()
			}
			n := float64(b.N)
			b.ReportMetric(0, "ns/op") // it counts the RIE starting and stopping too
			b.ReportMetric(float64(first.Microseconds())/1e3/n, "ms-to-first-response")
			b.ReportMetric(float64(initPhase.Microseconds())/1e3/n, "ms-init")
		})
	}
}

// maxBootstrapMB is the most a function's bootstrap may weigh, in MB of
// 10^6 bytes: the goal that keeps cold starts short and leaves room for the
// next resource kinds.
const maxBootstrapMB = 20

// BenchmarkLambdaBinarySize builds every function as it is deployed
// (linux/arm64, -tags lambda.norpc,grpcnotrace -ldflags "-s -w" -trimpath)
// and reports each binary's size, the limit (maxBootstrapMB) and what is
// left of it, and its deflated zip (what Lambda stores). A binary over the
// limit fails it.
//
//	go test -run '^$' -bench LambdaBinarySize -benchtime 1x ./functions/
func BenchmarkLambdaBinarySize(b *testing.B) {
	dir := b.TempDir()
	begin := time.Now()
	if err := localstack.Build(b.Context(), dir, "arm64"); err != nil {
		b.Fatal(err)
	}
	b.Logf("arm64 build: %v", time.Since(begin).Round(time.Millisecond))
	for _, name := range localstack.Functions {
		b.Run(name, func(b *testing.B) {
			for range b.N {
				// The sizes are the measurement; there is nothing to repeat.
			}
			path := rie.Bootstrap(dir, name)
			info, err := os.Stat(path)
			if err != nil {
				b.Fatal(err)
			}
			mb := float64(info.Size()) / 1e6
			b.ReportMetric(0, "ns/op")
			b.ReportMetric(mb, "MB")
			b.ReportMetric(maxBootstrapMB, "limit-MB")
			b.ReportMetric(maxBootstrapMB-mb, "headroom-MB")
			b.ReportMetric(float64(zipSize(b, path))/1e6, "zip-MB")
			if mb > maxBootstrapMB {
				b.Errorf("%s: bootstrap %.2f MB, over the %d MB limit", name, mb, maxBootstrapMB)
			}
		})
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
