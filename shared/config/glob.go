package config

import (
	"errors"
	"path"
	"strings"
)

// glob is a compiled workspace path pattern, one element per path segment.
// A segment is a path.Match pattern ("*" never crosses "/"); the segment "**"
// stands for any number of segments, including none, so "/Users/**" matches
// "/Users" itself and everything below it.
type glob []string

const anySegments = "**"

// compileGlob parses pattern, which must be absolute ("/Shared/**") or start
// with "**" ("**/.Trash/**").
// Errors: empty pattern, relative pattern, empty segment ("//" or a trailing
// "/"), "**" inside a segment, or a segment path.Match rejects.
func compileGlob(pattern string) (glob, error) {
	switch {
	case pattern == "":
		return nil, errors.New("empty pattern")
	case pattern == "/":
		return glob{}, nil
	case !strings.HasPrefix(pattern, "/") && !strings.HasPrefix(pattern, anySegments):
		return nil, errors.New(`must start with "/" or "**"`)
	}
	var g glob
	for _, seg := range strings.Split(strings.TrimPrefix(pattern, "/"), "/") {
		if err := checkSegment(seg); err != nil {
			return nil, err
		}
		// "**/**" means the same as "**"; collapsing keeps matching linear-ish.
		if seg == anySegments && len(g) > 0 && g[len(g)-1] == anySegments {
			continue
		}
		g = append(g, seg)
	}
	return g, nil
}

func checkSegment(seg string) error {
	switch {
	case seg == "":
		return errors.New(`empty path segment ("//" or a trailing "/")`)
	case seg == anySegments:
		return nil
	case strings.Contains(seg, anySegments):
		return errors.New(`"**" must be a whole path segment`)
	}
	if _, err := path.Match(seg, ""); err != nil {
		return errors.New("bad segment pattern " + seg)
	}
	return nil
}

// splitPath turns a workspace path into its segments; "/" has none.
func splitPath(p string) []string {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

// match reports whether the path segments segs match g exactly.
func (g glob) match(segs []string) bool {
	for i, pat := range g {
		if pat == anySegments {
			return g[i+1:].matchAnySuffix(segs)
		}
		if len(segs) == 0 || !segMatch(pat, segs[0]) {
			return false
		}
		segs = segs[1:]
	}
	return len(segs) == 0
}

// matchAnySuffix reports whether g matches segs with any number of leading
// segments dropped (what a "**" in front of g allows).
func (g glob) matchAnySuffix(segs []string) bool {
	for i := 0; i <= len(segs); i++ {
		if g.match(segs[i:]) {
			return true
		}
	}
	return false
}

// mayMatchBelow reports whether the directory segs, or some path below it,
// could match g: whether a walk must descend into it.
func (g glob) mayMatchBelow(segs []string) bool {
	for i, seg := range segs {
		if i == len(g) {
			return false
		}
		if g[i] == anySegments {
			return true
		}
		if !segMatch(g[i], seg) {
			return false
		}
	}
	return true
}

// coversSubtree reports whether g matches the directory segs and every path
// below it: g ends in "**" and what comes before matches some prefix of segs.
func (g glob) coversSubtree(segs []string) bool {
	if len(g) == 0 || g[len(g)-1] != anySegments {
		return false
	}
	head := g[:len(g)-1]
	for i := 0; i <= len(segs); i++ {
		if head.match(segs[:i]) {
			return true
		}
	}
	return false
}

func segMatch(pat, seg string) bool {
	ok, err := path.Match(pat, seg)
	return ok && err == nil
}

// anyGlob reports whether test holds for one of patterns compiled. Patterns
// that do not compile never hold: Validate reports them.
func anyGlob(patterns []string, test func(glob) bool) bool {
	for _, p := range patterns {
		if g, err := compileGlob(p); err == nil && test(g) {
			return true
		}
	}
	return false
}

// Excluded reports whether the source path p is out of scope: it matches an
// exclude pattern, matches no include pattern (when there are any), or the path
// map would leave it in place inside another mapping's target subtree, where it
// would collide with a mapped path (with /Shared/prod → /Shared/dr, a source
// /Shared/dr/x and /Shared/prod/x would both land on /Shared/dr/x).
func (c *Config) Excluded(p string) bool {
	segs := splitPath(p)
	if anyGlob(c.Exclude, func(g glob) bool { return g.match(segs) }) {
		return true
	}
	if len(c.Include) > 0 && !anyGlob(c.Include, func(g glob) bool { return g.match(segs) }) {
		return true
	}
	return c.shadowed(p)
}

// SkipDir reports whether nothing at or below the source directory dir can be
// in scope, so a tree walk need not list it: an exclude pattern covers the
// whole subtree, or no include pattern can match anything there.
func (c *Config) SkipDir(dir string) bool {
	segs := splitPath(dir)
	if anyGlob(c.Exclude, func(g glob) bool { return g.coversSubtree(segs) }) {
		return true
	}
	return len(c.Include) > 0 && !anyGlob(c.Include, func(g glob) bool { return g.mayMatchBelow(segs) })
}
