package config

import (
	"testing"
)

func TestGlobMatch(t *testing.T) {
	tests := []struct {
		pattern string
		path    string
		want    bool
	}{
		{"/Users/**", "/Users", true},
		{"/Users/**", "/Users/a@x.com", true},
		{"/Users/**", "/Users/a@x.com/deep/nb", true},
		{"/Users/**", "/Shared/x", false},
		{"/Users/**", "/UsersX", false},
		{"/Users/*", "/Users/a", true},
		{"/Users/*", "/Users", false},
		{"/Users/*", "/Users/a/b", false},
		{"/Users/*/.Trash/**", "/Users/a@x.com/.Trash", true},
		{"/Users/*/.Trash/**", "/Users/a@x.com/.Trash/old/nb", true},
		{"/Users/*/.Trash/**", "/Users/a@x.com/proj/.Trash/nb", false},
		{"**/.Trash/**", "/.Trash", true},
		{"**/.Trash/**", "/Users/a/proj/.Trash/x", true},
		{"**/.Trash/**", "/Users/a/proj/Trash/x", false},
		{"**/*.py", "/Shared/lib/util.py", true},
		{"**/*.py", "/util.py", true},
		{"**/*.py", "/Shared/lib/util.pyc", false},
		{"/Shared/**/tests/*", "/Shared/tests/a", true},
		{"/Shared/**/tests/*", "/Shared/x/y/tests/a", true},
		{"/Shared/**/tests/*", "/Shared/x/y/tests", false},
		{"/Shared/**/**/x", "/Shared/x", true},
		{"/a/?/c", "/a/b/c", true},
		{"/a/[bc]", "/a/c", true},
		{"/a/[^bc]", "/a/c", false},
		{"/a/[^bc]", "/a/d", true},
		{"/", "/", true},
		{"/", "/a", false},
		{"**", "/", true},
		{"**", "/any/thing", true},
		{"/Users/*", "/Users/a/", true}, // a trailing slash is not a segment
	}
	for _, tt := range tests {
		g, err := compileGlob(tt.pattern)
		if err != nil {
			t.Fatalf("compileGlob(%q) = %v", tt.pattern, err)
		}
		if got := g.match(splitPath(tt.path)); got != tt.want {
			t.Errorf("%q matches %q = %v, want %v", tt.pattern, tt.path, got, tt.want)
		}
	}
}

func TestExcluded(t *testing.T) {
	c := Default() // include /Users/**, /Shared/**; exclude /Repos/**, **/.Trash/**, /Users/*/.Trash/**
	tests := []struct {
		path string
		want bool
	}{
		{"/Users/a@x.com/nb", false},
		{"/Users", false},
		{"/Shared/prod/etl", false},
		{"/Repos/a@x.com/repo/nb", true},
		{"/Repos", true},
		{"/Users/a@x.com/.Trash/nb", true},
		{"/Shared/x/.Trash/nb", true},
		{"/Workspace/other", true}, // matches no include
		{"/", true},
	}
	for _, tt := range tests {
		if got := c.Excluded(tt.path); got != tt.want {
			t.Errorf("Excluded(%q) = %v, want %v", tt.path, got, tt.want)
		}
	}
	c.Include = nil
	if c.Excluded("/Workspace/other") {
		t.Error("without include patterns every path not excluded is in scope")
	}
}

// A source path the map leaves in place inside a mapped target subtree is out
// of scope: it would land where a mapped path lands.
func TestExcludedShadowedByPathMap(t *testing.T) {
	c := Default()
	c.PathMap = []PathMapping{{From: "/Shared/prod", To: "/Shared/dr"}}
	if !c.Excluded("/Shared/dr/x") {
		t.Error("/Shared/dr/x would collide with /Shared/prod/x and must be out of scope")
	}
	for _, p := range []string{"/Shared/prod/x", "/Shared/drx", "/Shared/other"} {
		if c.Excluded(p) {
			t.Errorf("Excluded(%q) = true, want false", p)
		}
	}
}

func TestSkipDir(t *testing.T) {
	c := Default()
	c.Include = append(c.Include, "/Workspace/*/keep/**")
	tests := []struct {
		dir  string
		want bool
	}{
		{"/", false},
		{"/Users", false},
		{"/Users/a", false},
		{"/Repos", true},          // excluded subtree
		{"/Repos/a/b", true},      // excluded subtree
		{"/Users/a/.Trash", true}, // excluded subtree
		{"/Shared/x/.Trash/y", true},
		{"/Other", true},               // no include can match below
		{"/Workspace", false},          // /Workspace/*/keep/** may match below
		{"/Workspace/team", false},     // still may
		{"/Workspace/team/drop", true}, // cannot any more
		{"/Workspace/team/keep/x", false},
	}
	for _, tt := range tests {
		if got := c.SkipDir(tt.dir); got != tt.want {
			t.Errorf("SkipDir(%q) = %v, want %v", tt.dir, got, tt.want)
		}
	}
}

// SkipDir must never prune a directory holding an in-scope path.
func TestSkipDirAgreesWithExcluded(t *testing.T) {
	c := Default()
	c.Include = append(c.Include, "/Workspace/*/keep/**", "**/*.sql")
	paths := []string{
		"/Users/a/nb", "/Users/a/.Trash/nb", "/Shared/p/q/r", "/Repos/a/r/nb",
		"/Workspace/t/keep/nb", "/Workspace/t/drop/nb", "/Other/x.sql", "/Other/x.py",
	}
	for _, p := range paths {
		if c.Excluded(p) {
			continue
		}
		segs := splitPath(p)
		for i := range segs {
			dir := "/" + joinSegs(segs[:i])
			if c.SkipDir(dir) {
				t.Errorf("SkipDir(%q) prunes in-scope %q", dir, p)
			}
		}
	}
}

func joinSegs(segs []string) string {
	out := ""
	for i, s := range segs {
		if i > 0 {
			out += "/"
		}
		out += s
	}
	return out
}

func FuzzGlobMatch(f *testing.F) {
	f.Add("/Users/*/.Trash/**", "/Users/a/.Trash/x")
	f.Add("**/a/**/b", "/x/a/y/z/b")
	f.Fuzz(func(t *testing.T, pattern, p string) {
		g, err := compileGlob(pattern)
		if err != nil {
			return
		}
		segs := splitPath(p)
		// A full match implies a walk may descend to it.
		if g.match(segs) && !g.mayMatchBelow(segs) {
			t.Fatalf("%q matches %q but mayMatchBelow says no", pattern, p)
		}
		if g.coversSubtree(segs) && !g.match(segs) {
			t.Fatalf("%q covers the subtree %q but does not match it", pattern, p)
		}
	})
}
