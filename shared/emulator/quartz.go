package emulator

import (
	"strconv"
	"strings"
)

// Quartz cron expressions, as jobs' schedule.quartz_cron_expression takes them:
// seconds, minutes, hours, day of month, month, day of week and an optional
// year; "*", lists, ranges and "/" steps everywhere; "?" in exactly one of the
// two day fields; L, W, LW, L-n and nW in day of month; L, nL and n#k in day
// of week; month and day names (JAN, MON). The syntax is checked, not whether
// the schedule ever fires.

// quartzField is one position of an expression.
type quartzField struct {
	lo, hi int
	names  []string // names[i] stands for lo+i
}

var (
	quartzMonths = []string{"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}
	quartzDays   = []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}
	quartzFields = []quartzField{
		{lo: 0, hi: 59}, {lo: 0, hi: 59}, {lo: 0, hi: 23}, {lo: 1, hi: 31},
		{lo: 1, hi: 12, names: quartzMonths}, {lo: 1, hi: 7, names: quartzDays}, {lo: 1970, hi: 2099},
	}
)

const (
	quartzDayOfMonth = 3
	quartzDayOfWeek  = 5
)

// validQuartz reports whether expr is a valid Quartz cron expression.
func validQuartz(expr string) bool {
	parts := strings.Fields(expr)
	if len(parts) != 6 && len(parts) != 7 {
		return false
	}
	// "?" stands in exactly one of the day fields (the other one says when).
	if (parts[quartzDayOfMonth] == "?") == (parts[quartzDayOfWeek] == "?") {
		return false
	}
	for i, p := range parts {
		if !quartzFields[i].valid(strings.ToUpper(p), i) {
			return false
		}
	}
	return true
}

// valid checks one field: "?" alone in a day field, else a list of items.
func (f quartzField) valid(s string, pos int) bool {
	if s == "?" {
		return pos == quartzDayOfMonth || pos == quartzDayOfWeek
	}
	for _, item := range strings.Split(s, ",") {
		if !f.item(item, pos) {
			return false
		}
	}
	return true
}

// item checks one list item: a day special, or base[/step] where base is *,
// a value or a range.
func (f quartzField) item(s string, pos int) bool {
	if ok, special := f.daySpecial(s, pos); special {
		return ok
	}
	base, step, stepped := strings.Cut(s, "/")
	if stepped {
		if n, err := strconv.Atoi(step); err != nil || n < 1 || n > f.hi {
			return false
		}
	}
	if base == "*" {
		return true
	}
	from, to, ranged := strings.Cut(base, "-")
	a, okA := f.value(from)
	if !ranged {
		return okA
	}
	b, okB := f.value(to)
	return okA && okB && a <= b
}

// daySpecial handles L, W and # forms; special is false when s is none of them.
func (f quartzField) daySpecial(s string, pos int) (ok, special bool) {
	switch {
	case pos == quartzDayOfMonth && (s == "L" || s == "LW"):
		return true, true
	case pos == quartzDayOfMonth && strings.HasPrefix(s, "L-"):
		n, err := strconv.Atoi(s[2:])
		return err == nil && n >= 1 && n <= 30, true
	case pos == quartzDayOfMonth && strings.HasSuffix(s, "W"):
		_, ok := f.value(strings.TrimSuffix(s, "W"))
		return ok, true
	case pos == quartzDayOfWeek && s == "L":
		return true, true
	case pos == quartzDayOfWeek && strings.HasSuffix(s, "L"):
		_, ok := f.value(strings.TrimSuffix(s, "L"))
		return ok, true
	case pos == quartzDayOfWeek && strings.Contains(s, "#"):
		day, nth, _ := strings.Cut(s, "#")
		n, err := strconv.Atoi(nth)
		_, ok := f.value(day)
		return ok && err == nil && n >= 1 && n <= 5, true
	}
	return false, false
}

// value reads a number in range or a name.
func (f quartzField) value(s string) (int, bool) {
	for i, name := range f.names {
		if s == name {
			return f.lo + i, true
		}
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n >= f.lo && n <= f.hi
}
