package resource

import (
	"reflect"
	"strings"
	"testing"
)

// /Workspace/x and /x are one workspace object: both become a reference to
// /x (so they remap and order dependencies alike), the document keeps the
// form the object used (so the target is written, and reads back, in it),
// and paths that are not workspace objects (volumes, DBFS, pip specs,
// relative Git paths) are left alone.
func TestWorkspacePrefixPaths(t *testing.T) {
	s := &Schema{Refs: map[string]string{
		"whl": KindPath, "nb": KindPath, "vol": KindPath, "rel": KindPath, "deps": KindPath,
	}}
	raw := Doc{
		"whl": "/Workspace/Shared/libs/a.whl", "nb": "/Shared/etl/nb", "vol": "/Volumes/main/x/a.whl",
		"rel": "notebooks/run", "deps": []any{"pandas==2.2", "/Workspace/Shared/libs/b.whl", "/Workspace"},
	}
	n := s.Normalize(raw, func(_, id string) (string, bool) { return id, true })
	want := Doc{
		"whl": "path:/Workspace/Shared/libs/a.whl", "nb": "path:/Shared/etl/nb", "vol": "/Volumes/main/x/a.whl",
		"rel": "notebooks/run", "deps": []any{"pandas==2.2", "path:/Workspace/Shared/libs/b.whl", "path:/Workspace/"},
	}
	if !reflect.DeepEqual(n.Doc, want) {
		t.Fatalf("normalised:\n got %v\nwant %v", n.Doc, want)
	}
	wantRefs := []Ref{{KindPath, "/"}, {KindPath, "/Shared/etl/nb"}, {KindPath, "/Shared/libs/a.whl"}, {KindPath, "/Shared/libs/b.whl"}}
	if !reflect.DeepEqual(n.Refs, wantRefs) {
		t.Fatalf("refs = %v, want %v", n.Refs, wantRefs)
	}
	mapped := func(r Ref) (string, bool) { return strings.Replace(r.Key, "/Shared", "/DR", 1), true }
	d, err := s.Denormalize(n.Doc, "", mapped)
	if err != nil {
		t.Fatal(err)
	}
	if d["whl"] != "/Workspace/DR/libs/a.whl" || d["nb"] != "/DR/etl/nb" || d["deps"].([]any)[1] != "/Workspace/DR/libs/b.whl" ||
		d["deps"].([]any)[0] != "pandas==2.2" || d["vol"] != "/Volumes/main/x/a.whl" {
		t.Fatalf("denormalised: %v", d)
	}
	// The target, read back in the form it was written, normalises equal.
	back := s.Normalize(d, func(_, id string) (string, bool) { return strings.Replace(id, "/DR", "/Shared", 1), true })
	if Hash(back.Doc) != Hash(n.Doc) {
		t.Fatalf("read back differs:\n got %v\nwant %v", back.Doc, n.Doc)
	}
}
