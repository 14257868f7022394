package resource

import "strings"

// MarkerFits reports whether doc can carry the identity marker without
// going over Schema.MarkerLimit: the marker is one more tag, and the service
// refuses an object with too many (jobs 25, clusters 45). An object at the
// limit is written without it; its identity in the target is then its
// ledger record and its name (see the planner's matching). A kind without
// a marker or a limit always fits.
func (s *Schema) MarkerFits(doc Doc) bool {
	if s.Marker == "" || s.MarkerLimit <= 0 {
		return true
	}
	return s.userTags(doc) < s.MarkerLimit
}

// userTags counts the entries of the map holding the marker, the marker
// itself left out.
func (s *Schema) userTags(doc Doc) int {
	parent, name := "", s.Marker
	if i := strings.LastIndex(s.Marker, "."); i >= 0 {
		parent, name = s.Marker[:i], s.Marker[i+1:]
	}
	m := map[string]any(doc)
	for seg := range strings.SplitSeq(parent, ".") {
		if seg == "" {
			break
		}
		next, ok := m[seg].(map[string]any)
		if !ok {
			return 0
		}
		m = next
	}
	n := len(m)
	if _, marked := m[name]; marked {
		n--
	}
	return n
}
