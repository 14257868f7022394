package main

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// transposeAbove is the number of metrics past which a package's results are
// shown one column per benchmark: a row per benchmark would be too wide.
const transposeAbove = 4

// result is one benchmark result line.
type result struct {
	name   string // without "Benchmark" and the -GOMAXPROCS suffix
	units  []string
	values map[string]float64
}

// procsSuffix is the "-GOMAXPROCS" go test appends to a benchmark's name.
var procsSuffix = regexp.MustCompile(`-\d+$`)

// parseResult reads a line such as
// "BenchmarkSync/nochange-2  1  6594776335 ns/op  810.0 calls", or reports false.
func parseResult(line string) (result, bool) {
	f := strings.Fields(line)
	if len(f) < 4 || len(f)%2 != 0 || !strings.HasPrefix(f[0], "Benchmark") {
		return result{}, false
	}
	if _, err := strconv.ParseInt(f[1], 10, 64); err != nil {
		return result{}, false
	}
	r := result{name: procsSuffix.ReplaceAllString(strings.TrimPrefix(f[0], "Benchmark"), ""),
		values: map[string]float64{}}
	for i := 2; i < len(f); i += 2 {
		v, err := strconv.ParseFloat(f[i], 64)
		if err != nil {
			return result{}, false
		}
		r.units = append(r.units, f[i+1])
		r.values[f[i+1]] = v
	}
	return r, true
}

// convert copies r to w, holding back benchmark result lines and writing them
// as a table where the package's output closes (PASS, FAIL, ok or the end).
// Errors: reading r.
func convert(r io.Reader, w io.Writer) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 4*1024*1024) // result lines with many metrics are long
	var pending []result
	for sc.Scan() {
		line := sc.Text()
		if res, ok := parseResult(line); ok {
			pending = append(pending, res)
			continue
		}
		if closesPackage(line) && len(pending) > 0 {
			writeTable(w, pending)
			pending = nil
		}
		fmt.Fprintln(w, line)
	}
	if len(pending) > 0 {
		writeTable(w, pending)
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read benchmark output: %w", err)
	}
	return nil
}

// closesPackage reports the lines go test writes after a package's results.
func closesPackage(line string) bool {
	return line == "PASS" || line == "FAIL" || strings.HasPrefix(line, "ok ") ||
		strings.HasPrefix(line, "ok\t") || strings.HasPrefix(line, "FAIL\t")
}

// writeTable writes one package's results as an aligned Markdown table.
func writeTable(w io.Writer, results []result) {
	uniqueNames(results)
	units := unitOrder(results)
	var rows [][]string
	if len(units) > transposeAbove {
		rows = append(rows, append([]string{"metric"}, names(results)...))
		for _, u := range units {
			row := []string{label(u)}
			for _, r := range results {
				row = append(row, cell(r, u))
			}
			rows = append(rows, row)
		}
	} else {
		head := []string{"benchmark"}
		for _, u := range units {
			head = append(head, label(u))
		}
		rows = append(rows, head)
		for _, r := range results {
			row := []string{r.name}
			for _, u := range units {
				row = append(row, cell(r, u))
			}
			rows = append(rows, row)
		}
	}
	render(w, rows)
}

// uniqueNames numbers repeated names (go test -count N): "X", "X #2", ...
func uniqueNames(results []result) {
	seen := map[string]int{}
	for i := range results {
		seen[results[i].name]++
		if n := seen[results[i].name]; n > 1 {
			results[i].name += " #" + strconv.Itoa(n)
		}
	}
}

func names(results []result) []string {
	out := make([]string, 0, len(results))
	for _, r := range results {
		out = append(out, r.name)
	}
	return out
}

// unitOrder is every unit sorted, ns/op first and breakdown units (with a
// colon) after the others. Sorted, not first-seen: go test prints each line's
// custom units sorted, so first-seen order would depend on which benchmark ran first.
func unitOrder(results []result) []string {
	var head, tail []string
	for _, r := range results {
		for _, u := range r.units {
			switch {
			case u == "ns/op" || slices.Contains(head, u) || slices.Contains(tail, u):
			case strings.Contains(u, ":"):
				tail = append(tail, u)
			default:
				head = append(head, u)
			}
		}
	}
	slices.Sort(head)
	slices.Sort(tail)
	for _, r := range results {
		if _, ok := r.values["ns/op"]; ok {
			head = append([]string{"ns/op"}, head...)
			break
		}
	}
	return append(head, tail...)
}

// label names a unit's column or row; ns/op is shown as a duration.
func label(unit string) string {
	if unit == "ns/op" {
		return "time/op"
	}
	return unit
}

// cell formats r's value for unit, "-" when r did not report it.
func cell(r result, unit string) string {
	v, ok := r.values[unit]
	switch {
	case !ok:
		return "-"
	case unit == "ns/op":
		return formatDuration(v)
	}
	return formatNumber(v)
}

// formatNumber shows integers whole and other values to about three
// significant digits, never in exponent form.
func formatNumber(v float64) string {
	a := math.Abs(v)
	switch {
	case v == math.Trunc(v) && a < 1e15:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	case a >= 1:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}

// durationUnits are the units formatDuration picks from, largest first.
var durationUnits = []struct {
	d      time.Duration
	suffix string
}{{time.Second, "s"}, {time.Millisecond, "ms"}, {time.Microsecond, "µs"}, {time.Nanosecond, "ns"}}

// formatDuration shows nanoseconds as a duration to three significant digits.
func formatDuration(ns float64) string {
	for _, u := range durationUnits {
		if ns >= float64(u.d) || u.d == time.Nanosecond {
			return formatNumber(sigDigits(ns/float64(u.d))) + u.suffix
		}
	}
	return "" // unreachable: the last unit always matches
}

// sigDigits rounds v to three significant digits.
func sigDigits(v float64) float64 {
	r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'g', 3, 64), 64)
	return r
}

// render writes rows as a Markdown table: the first row is the header, the
// first column is left-aligned and the others (numbers) right-aligned.
func render(w io.Writer, rows [][]string) {
	width := make([]int, len(rows[0]))
	for _, row := range rows {
		for i, c := range row {
			width[i] = max(width[i], len([]rune(c)), 3)
		}
	}
	for n, row := range rows {
		var b strings.Builder
		for i, c := range row {
			pad := strings.Repeat(" ", width[i]-len([]rune(c)))
			if i == 0 {
				b.WriteString("| " + c + pad + " ")
			} else {
				b.WriteString("| " + pad + c + " ")
			}
		}
		fmt.Fprintln(w, b.String()+"|")
		if n == 0 {
			fmt.Fprintln(w, separator(width))
		}
	}
}

func separator(width []int) string {
	var b strings.Builder
	for i, n := range width {
		if i == 0 {
			b.WriteString("|" + strings.Repeat("-", n+2))
		} else {
			b.WriteString("|" + strings.Repeat("-", n+1) + ":")
		}
	}
	return b.String() + "|"
}
