package config

import "strings"

// MapPath returns the target path for the source path src: the entry whose
// From is the longest prefix of src (whole segments only) replaces it with its
// To; a path no entry covers is kept as it is.
func (c *Config) MapPath(src string) string {
	m, ok := longestPrefix(c.PathMap, src, func(m PathMapping) string { return m.From })
	if !ok {
		return src
	}
	return m.To + src[len(m.From):]
}

// UnmapPath returns the in-scope source path that MapPath sends to the target
// path tgt, and false when there is none (tgt lies under a From that is mapped
// away, or under a To at a spot a more specific entry diverts). Inside a To
// subtree only the mapped source counts: an unmapped source path landing there
// is out of scope (see Excluded). Validate guarantees that no two To subtrees
// nest, so at most one entry can apply.
func (c *Config) UnmapPath(tgt string) (string, bool) {
	src := tgt
	if m, ok := longestPrefix(c.PathMap, tgt, func(m PathMapping) string { return m.To }); ok {
		src = m.From + tgt[len(m.To):]
	}
	// The round trip rejects both cases above: with /a → /x and /a/b → /y,
	// nothing maps to /x/b/n, and nothing maps to /a/n either.
	if c.MapPath(src) != tgt {
		return "", false
	}
	return src, true
}

// shadowed reports whether the source path p stays in place (no From covers
// it) yet lies inside some entry's To subtree, which that entry owns.
func (c *Config) shadowed(p string) bool {
	if _, ok := longestPrefix(c.PathMap, p, func(m PathMapping) string { return m.From }); ok {
		return false
	}
	_, ok := longestPrefix(c.PathMap, p, func(m PathMapping) string { return m.To })
	return ok
}

// longestPrefix finds the entry whose key(m) is p or a parent directory of p,
// preferring the longest key.
func longestPrefix(ms []PathMapping, p string, key func(PathMapping) string) (PathMapping, bool) {
	var best PathMapping
	found := false
	for _, m := range ms {
		k := key(m)
		if within(p, k) && (!found || len(k) > len(key(best))) {
			best, found = m, true
		}
	}
	return best, found
}

// within reports whether p is dir or lies below it, comparing whole segments
// (so /Shared/prod2 is not within /Shared/prod).
func within(p, dir string) bool {
	return p == dir || strings.HasPrefix(p, dir+"/")
}
