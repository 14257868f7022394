package main

import (
	"bytes"
	"strings"
	"testing"
)

// Result lines are recognised with their custom metrics; anything else
// (logs, headers, -v name lines, malformed metrics) is not a result.
func TestParseResult(t *testing.T) {
	for _, tc := range []struct {
		line  string
		ok    bool
		name  string
		units []string
	}{
		{"BenchmarkSteadyState/nochange-2  \t 1\t6594776335 ns/op\t 810.0 calls\t 0 exports", true,
			"SteadyState/nochange", []string{"ns/op", "calls", "exports"}},
		{"BenchmarkJobsList100   \t 500\t 2000 ns/op", true, "JobsList100", []string{"ns/op"}},
		{"BenchmarkSteadyState", false, "", nil},
		{"    bench_test.go:98: setup: 11170 objects", false, "", nil},
		{"BenchmarkX-2 1 12 ns/op 3", false, "", nil},
		{"BenchmarkX-2 many 12 ns/op", false, "", nil},
		{"BenchmarkX-2 1 twelve ns/op", false, "", nil},
		{"pkg: github.com/drsync/drsync/shared/engine", false, "", nil},
	} {
		r, ok := parseResult(tc.line)
		if ok != tc.ok || r.name != tc.name || strings.Join(r.units, ",") != strings.Join(tc.units, ",") {
			t.Errorf("parseResult(%q) = %q %v %v, want %q %v %v", tc.line, r.name, r.units, ok, tc.name, tc.units, tc.ok)
		}
	}
}

// Numbers read at a glance: whole numbers whole, others to about three
// significant digits, ns/op as a duration, never in exponent form.
func TestFormat(t *testing.T) {
	for _, tc := range []struct {
		got, want string
	}{
		{formatNumber(10000), "10000"},
		{formatNumber(399.04), "399"},
		{formatNumber(26.263), "26.3"},
		{formatNumber(2.8), "2.80"},
		{formatNumber(0.61123), "0.611"},
		{formatNumber(0), "0"},
		{formatDuration(63807706451), "63.8s"},
		{formatDuration(6594776335), "6.59s"},
		{formatDuration(162000), "162µs"},
		{formatDuration(1500000), "1.50ms"},
		{formatDuration(41), "41ns"},
		{formatDuration(999999999), "1000ms"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

// A package with few metrics per benchmark gets a row per benchmark; one with
// many gets a column per benchmark, breakdown metrics last; every other line
// passes through in place, and the table comes before the package's ok line.
func TestConvert(t *testing.T) {
	in := `pkg: example.com/emu
BenchmarkList-2   	   12345	    162000 ns/op	      6172 req/s
BenchmarkSeed-2   	       3	 400000000 ns/op	     28000 objects/s
PASS
ok  	example.com/emu	12.3s
pkg: example.com/engine
--- BENCH: BenchmarkSteady
    bench_test.go:98: setup done
BenchmarkSteady/nochange-2 	 1	6594776335 ns/op	 810.0 calls	 0 exports	 391 src:GET:workspace/list	 0 mutations	 5.5 wall-s
BenchmarkSteady/changed-2 	 1	8878419543 ns/op	 1090 calls	 90 exports	 391 src:GET:workspace/list	 90 tgt:POST:workspace/import	 100 mutations
ok  	example.com/engine	63.917s
`
	want := `pkg: example.com/emu
| benchmark | time/op | objects/s | req/s |
|-----------|--------:|----------:|------:|
| List      |   162µs |         - |  6172 |
| Seed      |   400ms |     28000 |     - |
PASS
ok  	example.com/emu	12.3s
pkg: example.com/engine
--- BENCH: BenchmarkSteady
    bench_test.go:98: setup done
| metric                    | Steady/nochange | Steady/changed |
|---------------------------|----------------:|---------------:|
| time/op                   |           6.59s |          8.88s |
| calls                     |             810 |           1090 |
| exports                   |               0 |             90 |
| mutations                 |               0 |            100 |
| wall-s                    |            5.50 |              - |
| src:GET:workspace/list    |             391 |            391 |
| tgt:POST:workspace/import |               - |             90 |
ok  	example.com/engine	63.917s
`
	var out bytes.Buffer
	if err := convert(strings.NewReader(in), &out); err != nil {
		t.Fatal(err)
	}
	if out.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", out.String(), want)
	}
}

// Output that ends without a closing line (a killed run) still gets its table,
// and a repeated benchmark (-count 2) gets a column of its own.
func TestConvertUnclosed(t *testing.T) {
	in := "BenchmarkA-2 1 10 ns/op\nBenchmarkA-2 1 20 ns/op\n"
	var out bytes.Buffer
	if err := convert(strings.NewReader(in), &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| A         |    10ns |", "| A #2      |    20ns |"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
