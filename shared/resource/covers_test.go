package resource

import "testing"

// A key covers the object it names and, for a folder or a path of unknown
// kind, what lies under it; nothing else.
func TestCovers(t *testing.T) {
	paths := map[string]bool{KindPath: true, "directory": true, "notebook": true, "file": true}
	for _, tc := range []struct {
		key, obj Ref
		want     bool
	}{
		{Ref{"job", "12"}, Ref{"job", "12"}, true},
		{Ref{"job", "12"}, Ref{"job", "123"}, false},
		{Ref{"job", "12"}, Ref{"cluster", "12"}, false},
		{Ref{"notebook", "/a/b"}, Ref{"notebook", "/a/b"}, true},
		{Ref{"notebook", "/a/b"}, Ref{"notebook", "/a/bc"}, false},
		{Ref{"directory", "/a"}, Ref{"notebook", "/a/b"}, true},
		{Ref{"directory", "/a"}, Ref{"file", "/ab/c"}, false},
		{Ref{KindPath, "/a/"}, Ref{"directory", "/a"}, true},
		{Ref{KindPath, "/a"}, Ref{"job", "/a"}, false},
	} {
		if got := Covers(tc.key, tc.obj, paths); got != tc.want {
			t.Errorf("Covers(%v, %v) = %v, want %v", tc.key, tc.obj, got, tc.want)
		}
	}
}
