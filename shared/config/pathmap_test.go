package config

import "testing"

func mapped(ms ...PathMapping) *Config {
	c := Default()
	c.PathMap = ms
	return c
}

func TestMapPath(t *testing.T) {
	c := mapped(
		PathMapping{From: "/Shared/prod", To: "/Shared/dr"},
		PathMapping{From: "/Shared/prod/special", To: "/Shared/special-dr"},
	)
	tests := map[string]string{
		"/Shared/prod":                "/Shared/dr",
		"/Shared/prod/etl/nb":         "/Shared/dr/etl/nb",
		"/Shared/prod/special":        "/Shared/special-dr",      // longest prefix wins
		"/Shared/prod/special/x":      "/Shared/special-dr/x",    // longest prefix wins
		"/Shared/prod/specialist/x":   "/Shared/dr/specialist/x", // whole segments only
		"/Shared/production/x":        "/Shared/production/x",
		"/Users/a@x.com/nb":           "/Users/a@x.com/nb",
		"/":                           "/",
		"/Shared":                     "/Shared",
		"/Shared/prod/a b/ünïcode.py": "/Shared/dr/a b/ünïcode.py",
	}
	for src, want := range tests {
		if got := c.MapPath(src); got != want {
			t.Errorf("MapPath(%q) = %q, want %q", src, got, want)
		}
	}
}

func TestUnmapPath(t *testing.T) {
	c := mapped(
		PathMapping{From: "/Shared/prod", To: "/Shared/dr"},
		PathMapping{From: "/Shared/prod/special", To: "/Shared/special-dr"},
	)
	tests := []struct {
		tgt  string
		want string
		ok   bool
	}{
		{"/Shared/dr/etl/nb", "/Shared/prod/etl/nb", true},
		{"/Shared/dr", "/Shared/prod", true},
		{"/Shared/special-dr/x", "/Shared/prod/special/x", true},
		{"/Users/a/nb", "/Users/a/nb", true},
		// /Shared/prod/special/x goes to /Shared/special-dr/x, so nothing lands here.
		{"/Shared/dr/special/x", "", false},
		// /Shared/prod/x is mapped away, so no source keeps this path.
		{"/Shared/prod/x", "", false},
	}
	for _, tt := range tests {
		got, ok := c.UnmapPath(tt.tgt)
		if got != tt.want || ok != tt.ok {
			t.Errorf("UnmapPath(%q) = %q, %v; want %q, %v", tt.tgt, got, ok, tt.want, tt.ok)
		}
	}
}

// For every in-scope source path, UnmapPath inverts MapPath.
func TestMapRoundTrip(t *testing.T) {
	c := mapped(
		PathMapping{From: "/Shared/prod", To: "/Shared/dr"},
		PathMapping{From: "/Shared/prod/special", To: "/Shared/special-dr"},
		PathMapping{From: "/a", To: "/b/x"},
		PathMapping{From: "/b", To: "/c"},
	)
	c.Include = nil
	paths := []string{
		"/Shared/prod/nb", "/Shared/prod/special/nb", "/Shared/dr/nb", "/Shared/special-dr",
		"/a/n", "/b/n", "/b/x/n", "/c/n", "/Users/u/nb", "/Shared/prod",
	}
	for _, src := range paths {
		if c.Excluded(src) {
			continue
		}
		tgt := c.MapPath(src)
		back, ok := c.UnmapPath(tgt)
		if !ok || back != src {
			t.Errorf("UnmapPath(MapPath(%q) = %q) = %q, %v", src, tgt, back, ok)
		}
	}
}

func TestNoMapIsIdentity(t *testing.T) {
	c := mapped()
	if got := c.MapPath("/x/y"); got != "/x/y" {
		t.Errorf("MapPath = %q", got)
	}
	if got, ok := c.UnmapPath("/x/y"); got != "/x/y" || !ok {
		t.Errorf("UnmapPath = %q, %v", got, ok)
	}
}
