package emulator

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
)

// scimFilter is a parsed SCIM filter: simple comparisons (eq, ne, co, sw)
// joined by "and"/"or", "and" binding tighter (RFC 7644 §3.4.2.2; the
// service supports simple expressions only, reference part 2 §2.2). A nil
// filter matches everything.
type scimFilter [][]scimCond // or of ands

type scimCond struct{ attr, op, value string }

var scimCondRE = regexp.MustCompile(`^\s*([A-Za-z][\w.]*)\s+(eq|ne|co|sw)\s+"((?:[^"\\]|\\.)*)"\s*$`)

// splitWord splits s on a keyword surrounded by spaces, case-insensitively,
// outside quoted strings.
func splitWord(s, word string) []string {
	var parts []string
	inQuote, start := false, 0
	lower := strings.ToLower(s)
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '"' && (i == 0 || s[i-1] != '\\'):
			inQuote = !inQuote
		case !inQuote && strings.HasPrefix(lower[i:], " "+word+" "):
			parts = append(parts, s[start:i])
			i += len(word) + 1
			start = i + 1
		}
	}
	return append(parts, s[start:])
}

func parseSCIMFilter(expr string) (scimFilter, error) {
	if strings.TrimSpace(expr) == "" {
		return nil, nil
	}
	var f scimFilter
	for _, or := range splitWord(expr, "or") {
		var ands []scimCond
		for _, term := range splitWord(or, "and") {
			m := scimCondRE.FindStringSubmatch(term)
			if m == nil {
				return nil, scimError(http.StatusBadRequest, "invalidFilter",
					fmt.Sprintf("Given filter operator is not supported: %s", strings.TrimSpace(term)))
			}
			ands = append(ands, scimCond{attr: strings.ToLower(m[1]), op: m[2], value: strings.ReplaceAll(m[3], `\"`, `"`)})
		}
		f = append(f, ands)
	}
	return f, nil
}

// match compares case-insensitively, as the service does for userName and
// displayName (e-mails are unique regardless of case, §2.2).
func (f scimFilter) match(doc compDoc) bool {
	if f == nil {
		return true
	}
	for _, ands := range f {
		ok := true
		for _, c := range ands {
			ok = ok && c.match(doc)
		}
		if ok {
			return true
		}
	}
	return false
}

func (c scimCond) match(doc compDoc) bool {
	var got string
	for k, v := range doc {
		if strings.ToLower(k) == c.attr {
			got = fmt.Sprint(v)
		}
	}
	got, want := strings.ToLower(got), strings.ToLower(c.value)
	switch c.op {
	case "eq":
		return got == want
	case "ne":
		return got != want
	case "co":
		return strings.Contains(got, want)
	}
	return strings.HasPrefix(got, want)
}
