// Command benchtable reads `go test -bench` output on stdin and writes it to
// stdout with each package's benchmark results turned into a table; every other
// line (headers, logs, failures, the closing ok line) is passed through as is.
//
//	go test -run '^$' -bench . ./shared/engine/ | go run ./cmd/benchtable
//
// Benchmarks that report few metrics get one row each; a package whose
// benchmarks report many custom metrics (b.ReportMetric) gets one column per
// benchmark and one row per metric instead. Rows are sorted by unit, ns/op
// (shown as time/op) first and breakdown metrics (a unit holding a colon, like
// "src:GET:workspace/list") after the headline ones.
// It exits 1 if reading stdin fails; the benchmarks' own exit status is the
// caller's to check (set -o pipefail).
package main

import (
	"fmt"
	"os"
)

func main() {
	if err := convert(os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "benchtable:", err)
		os.Exit(1)
	}
}
