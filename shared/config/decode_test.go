package config

import (
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"testing"
)

// nested returns n levels of open containers around inner, then the closes.
func nested(open, close string, n int, inner string) string {
	return strings.Repeat(open, n) + inner + strings.Repeat(close, n)
}

// TestParseRefusesDeepNesting protects the depth cap: a file nested deeper
// than maxDepth is refused with one message at the container that crosses it,
// however deep the rest goes, and nesting up to the cap is still only syntax.
func TestParseRefusesDeepNesting(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"arrays", `{"include": ` + nested("[", "]", 5_000, "") + `}`, []string{
			// include (depth 1) holds 63 arrays; the 64th "[" opens at column 76.
			"deep.json:1:76: include" + strings.Repeat("[0]", 63) + ": nested deeper than 64 levels"}},
		{"objects", nested(`{"a":`, "}", 5_000, "1"), []string{
			fmt.Sprintf("deep.json:1:%d: %s: nested deeper than 64 levels", 63*5+2, strings.Repeat("a.", 63)+"a")}},
		{"at the cap", `{"x": ` + nested("[", "]", 63, "") + `}`, []string{"deep.json:1:2: x: unknown field"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.in), "deep.json")
			if got := messages(t, err); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

// TestParseStopsReportingAtCap protects the problem cap: thousands of bad
// fields give maxProblems messages and one saying where reporting stopped.
func TestParseStopsReportingAtCap(t *testing.T) {
	var b strings.Builder
	b.WriteString("{")
	for i := range 1000 {
		fmt.Fprintf(&b, "%q: 1,\n", fmt.Sprint("k", i))
	}
	b.WriteString(`"pair": "x"}`)
	_, err := Parse([]byte(b.String()), "many.json")
	got := messages(t, err)
	if len(got) != maxProblems+1 {
		t.Fatalf("%d messages, want %d", len(got), maxProblems+1)
	}
	if got[0] != "many.json:1:2: k0: unknown field" || got[maxProblems] != "many.json:51:1: more than 50 problems; stopped reporting here" {
		t.Errorf("first and last messages:\n%s\n%s", got[0], got[maxProblems])
	}
}

// TestParseMemoryIsLinear protects "memory linear in the file size": files
// shaped to make a path-building walker quadratic (deep nesting, a long key
// over many children, thousands of problems) allocate a bounded number of
// bytes per input byte. Before the depth cap, 10 KB of "[" allocated ~100 MB.
func TestParseMemoryIsLinear(t *testing.T) {
	longKey := strings.Repeat("k", 50_000)
	children := strings.Repeat(`"token": 1, `, 5_000)
	tests := map[string]string{
		"deep arrays":           `{"include": ` + nested("[", "]", 5_000, "") + `}`,
		"deep objects":          nested(`{"a":`, "}", 2_000, "1"),
		"deep at the cap":       `{"x": ` + nested(`{"`+strings.Repeat("k", 1000)+`":`, "}", 63, "1") + `}`,
		"long key, many values": `{"` + longKey + `": {` + children + `"a": 1}}`,
		"many bad values":       `{"exclude": [` + strings.Repeat(`1, `, 20_000) + `1]}`,
	}
	for name, in := range tests {
		t.Run(name, func(t *testing.T) {
			got := allocated(func() { _, _ = Parse([]byte(in), "big.json") })
			t.Logf("%d bytes: %.1f bytes allocated per input byte", len(in), float64(got)/float64(len(in)))
			// A valid 1 KB config allocates ~60 bytes per input byte; the
			// bound leaves room for that and fails by orders of magnitude
			// on a quadratic walk.
			if limit := uint64(200*len(in) + 1<<20); got > limit {
				t.Errorf("Parse of %d bytes allocated %d bytes (%.0f per input byte), want at most %d",
					len(in), got, float64(got)/float64(len(in)), limit)
			}
		})
	}
}

// allocated returns the bytes the heap handed out while fn ran. Tests in this
// package run one at a time, so nothing else allocates meanwhile.
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}
