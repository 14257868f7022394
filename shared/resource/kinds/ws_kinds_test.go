package kinds

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/databricks/databricks-sdk-go"
	"github.com/databricks/databricks-sdk-go/apierr"
	"github.com/databricks/databricks-sdk-go/service/workspace"

	"github.com/drsync/drsync/shared/emulator"
	"github.com/drsync/drsync/shared/emulator/emutest"
	"github.com/drsync/drsync/shared/resource"
)

const (
	wsTestHome   = "/Users/admin@example.com"
	wsTestList   = "GET /api/2.0/workspace/list"
	wsTestExport = "GET /api/2.0/workspace/export"
)

// wsTestStart serves an emulated workspace with rate limits off.
func wsTestStart(t *testing.T) (*emulator.Server, *databricks.WorkspaceClient, resource.Workspace) {
	t.Helper()
	srv, w := emutest.Start(t, emulator.Options{RateLimits: map[string]float64{}})
	return srv, w, emutest.Workspace(t, srv, "target")
}

// wsTestSeed seeds objects and fails the test on error.
func wsTestSeed(t *testing.T, srv *emulator.Server, objs ...emulator.SeedObject) {
	t.Helper()
	for _, o := range objs {
		if _, err := srv.SeedObject(o); err != nil {
			t.Fatalf("seed %s: %v", o.Path, err)
		}
	}
}

// wsTestTree is a nested tree with every language, a file that looks like a
// notebook, an empty file, binary bytes, and paths with spaces and unicode.
var wsTestTree = []emulator.SeedObject{
	{Path: "/Shared/etl/daily/ingest", ObjectType: "NOTEBOOK", Language: "PYTHON",
		Content: "# Databricks notebook source\nprint('héllo')\n\n# COMMAND ----------\n\n# MAGIC %md\n# MAGIC # Title"},
	{Path: "/Shared/etl/daily/report", ObjectType: "NOTEBOOK", Language: "SQL", Content: "SELECT 1"},
	{Path: "/Shared/etl/Scala Jobs/ünïcode job", ObjectType: "NOTEBOOK", Language: "SCALA",
		Content: "// Databricks notebook source\nval x = \"ü\"\n"},
	{Path: "/Shared/etl/r stats", ObjectType: "NOTEBOOK", Language: "R", Content: "summary(cars)"},
	{Path: "/Shared/etl/lib/helpers.py", ObjectType: "FILE",
		Content: "# Databricks notebook source\ndef f():\n    return 1\n"},
	{Path: "/Shared/etl/lib/__init__.py", ObjectType: "FILE", Content: ""},
	{Path: "/Shared/etl/lib/blob.bin", ObjectType: "FILE", Content: "\x00\xff\x10binary\r\n"},
	{Path: "/Shared/empty dir", ObjectType: "DIRECTORY"},
	{Path: wsTestHome + "/scratch/notes", ObjectType: "NOTEBOOK", Language: "PYTHON", Content: "1+1"},
}

// wsTestDirs are the folders of an emulated workspace seeded with wsTestTree,
// "/" included: each is exactly one list call.
var wsTestDirs = []string{
	"/", "/Repos", "/Shared", "/Shared/empty dir", "/Shared/etl", "/Shared/etl/Scala Jobs",
	"/Shared/etl/daily", "/Shared/etl/lib", "/Users", wsTestHome, wsTestHome + "/scratch",
}

// wsTestKinds are the three workspace kinds of one run, sharing its tree.
func wsTestKinds() (*wsTree, []resource.Kind) {
	tree := newWSTree()
	return tree, []resource.Kind{newDirectory(tree), newNotebook(tree), newFile(tree)}
}

// wsTestListAll lists the three workspace kinds of one run, in registry order.
func wsTestListAll(t *testing.T, ws resource.Workspace, ks []resource.Kind) map[string][]resource.Object {
	t.Helper()
	out := map[string][]resource.Object{}
	for _, k := range ks {
		objs, err := k.List(context.Background(), ws)
		if err != nil {
			t.Fatalf("list %s: %v", k.Name(), err)
		}
		out[k.Name()] = objs
	}
	return out
}

func wsTestByID(objs []resource.Object) map[string]resource.Object {
	m := map[string]resource.Object{}
	for _, o := range objs {
		m[o.ID] = o
	}
	return m
}

func wsTestIDs(objs []resource.Object) []string {
	var ids []string
	for _, o := range objs {
		ids = append(ids, o.ID)
	}
	sort.Strings(ids)
	return ids
}

// Protects the cheap steady state: listing all three kinds walks the tree once
// (one list call per folder, no export), sorts every object into its kind with
// the right identity, Mark, Builtin flag and document.
func TestWorkspaceListWalksTreeOnce(t *testing.T) {
	srv, w, ws := wsTestStart(t)
	wsTestSeed(t, srv, wsTestTree...)
	srv.ResetRequests()

	tree, ks := wsTestKinds()
	got := wsTestListAll(t, ws, ks)

	if n := srv.RequestCount(wsTestList); n != int64(len(wsTestDirs)) {
		t.Errorf("list calls = %d, want %d (one per folder)", n, len(wsTestDirs))
	}
	if n := srv.RequestCount(wsTestExport); n != 0 {
		t.Errorf("exports during listing = %d, want 0", n)
	}
	tree.mu.Lock()
	kept := len(tree.walks)
	tree.mu.Unlock()
	if kept != 0 {
		t.Error("walk still cached after all three kinds took it")
	}
	if ids := wsTestIDs(got[Directory]); !slices.Equal(ids, wsTestDirs) {
		t.Errorf("directories = %q, want %q", ids, wsTestDirs)
	}
	dirs := wsTestByID(got[Directory])
	for _, p := range []string{"/", "/Users", "/Shared", "/Repos", wsTestHome} {
		if !dirs[p].Builtin {
			t.Errorf("%s not Builtin", p)
		}
	}
	for _, p := range []string{"/Shared/etl", wsTestHome + "/scratch"} {
		d := dirs[p]
		if d.Builtin || d.Mark != 0 || d.Doc == nil || len(d.Doc) != 0 || d.Key != p || d.Kind != Directory {
			t.Errorf("%s = %+v, want a plain directory with Doc {} and Mark 0", p, d)
		}
	}
	wantNB := []string{"/Shared/etl/Scala Jobs/ünïcode job", "/Shared/etl/daily/ingest",
		"/Shared/etl/daily/report", "/Shared/etl/r stats", wsTestHome + "/scratch/notes"}
	if ids := wsTestIDs(got[Notebook]); !slices.Equal(ids, wantNB) {
		t.Errorf("notebooks = %q, want %q", ids, wantNB)
	}
	wantFiles := []string{"/Shared/etl/lib/__init__.py", "/Shared/etl/lib/blob.bin", "/Shared/etl/lib/helpers.py"}
	if ids := wsTestIDs(got[File]); !slices.Equal(ids, wantFiles) {
		t.Errorf("files = %q, want %q", ids, wantFiles)
	}
	for _, o := range append(got[Notebook], got[File]...) {
		info, err := w.Workspace.GetStatus(context.Background(), workspace.GetStatusRequest{Path: o.ID})
		if err != nil {
			t.Fatal(err)
		}
		if o.Mark == 0 || o.Mark != info.ModifiedAt || o.Doc != nil || o.Builtin || o.Skip != "" {
			t.Errorf("%s: Mark %d (modified_at %d), Doc %v, Builtin %v, Skip %q; want Mark = modified_at and no Doc",
				o.ID, o.Mark, info.ModifiedAt, o.Doc, o.Builtin, o.Skip)
		}
	}
	if lang := wsTestByID(got[Notebook])["/Shared/etl/daily/report"].Attrs["language"]; lang != "SQL" {
		t.Errorf("report language attr = %q, want SQL", lang)
	}
}

// Protects the sharing rules: a kind that lists again gets a fresh walk (the
// next run sees changes), and a write through an adapter drops the walk so a
// listing right after it shows the write.
func TestWorkspaceWalkSharing(t *testing.T) {
	srv, _, ws := wsTestStart(t)
	wsTestSeed(t, srv, wsTestTree...)
	srv.ResetRequests()
	dirs := int64(len(wsTestDirs))

	tree, ks := wsTestKinds()
	wsTestListAll(t, ws, ks)
	if _, err := newNotebook(tree).List(context.Background(), ws); err != nil {
		t.Fatal(err)
	}
	if n := srv.RequestCount(wsTestList); n != 2*dirs {
		t.Errorf("list calls after a second notebook listing = %d, want %d (two walks)", n, 2*dirs)
	}

	want := resource.Object{Kind: File, Key: "/Shared/new.txt", ID: "/Shared/new.txt",
		Doc: resource.Doc{"content": base64.StdEncoding.EncodeToString([]byte("x"))}}
	dir := newDirectory(tree)
	if _, err := dir.List(context.Background(), ws); err != nil { // walk served to directories only
		t.Fatal(err)
	}
	if _, err := newFile(tree).Create(context.Background(), ws, want); err != nil {
		t.Fatal(err)
	}
	files, err := newFile(tree).List(context.Background(), ws)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := wsTestByID(files)["/Shared/new.txt"]; !ok {
		t.Errorf("file created through the adapter missing from the next listing: %q", wsTestIDs(files))
	}
}

// Protects one walk per run when the engine lists the three kinds at once:
// concurrent listings share the walk in flight.
func TestWorkspaceWalkSharedConcurrently(t *testing.T) {
	srv, _, ws := wsTestStart(t)
	wsTestSeed(t, srv, wsTestTree...)
	srv.ResetRequests()
	var wg sync.WaitGroup
	errs := make(chan error, 3)
	_, ks := wsTestKinds()
	for _, k := range ks {
		wg.Go(func() {
			_, err := k.List(context.Background(), ws)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := srv.RequestCount(wsTestList); n != int64(len(wsTestDirs)) {
		t.Errorf("list calls = %d, want %d (one shared walk)", n, len(wsTestDirs))
	}
}

// Protects runs from each other: a walk belongs to the run whose adapters
// made it (All), so a second run always reads the tree afresh, however soon,
// and nothing is held once the run's adapters are gone.
func TestWorkspaceWalkPerRun(t *testing.T) {
	srv, _, ws := wsTestStart(t)
	srv.ResetRequests()
	walks := func() int64 { return srv.RequestCount(wsTestList) / 5 } // a fresh workspace has 5 folders
	for run := 1; run <= 2; run++ {
		ks := All()
		for _, k := range ks {
			if k.Schema().Paths {
				if _, err := k.List(context.Background(), ws); err != nil {
					t.Fatal(err)
				}
			}
		}
		if n := walks(); n != int64(run) {
			t.Fatalf("walks after %d runs = %d, want one per run", run, n)
		}
	}
}

// Protects DR from a partial listing: a folder that vanished during the walk
// (its get-status says so too) is skipped; a 404 on the listing of a folder
// that still exists, and any other list failure, fail the whole walk (a
// missing subtree would otherwise be planned as deletions).
func TestWorkspaceWalkErrors(t *testing.T) {
	base := wsTestFakeTree{
		"/": {{ObjectType: workspace.ObjectTypeDirectory, Path: "/gone"},
			{ObjectType: workspace.ObjectTypeNotebook, Path: "/nb"}},
	}
	gone := wsTestErrTree{wsTestFakeTree: base, errs: map[string]error{"/gone": apierr.ErrResourceDoesNotExist}}
	infos, err := wsWalkTree(context.Background(), gone, "/")
	if err != nil || len(infos) != 2 {
		t.Errorf("walk with a vanished folder = %d objects, %v; want 2, nil", len(infos), err)
	}
	hiccup := wsTestErrTree{wsTestFakeTree: base, errs: map[string]error{"/gone": apierr.ErrResourceDoesNotExist},
		exists: map[string]bool{"/gone": true}}
	if _, err := wsWalkTree(context.Background(), hiccup, "/"); !errors.Is(err, apierr.ErrNotFound) ||
		!strings.Contains(err.Error(), "folder exists") {
		t.Errorf("walk with a 404 on a folder that exists: %v, want the walk to fail", err)
	}
	broken := wsTestErrTree{wsTestFakeTree: base, errs: map[string]error{"/gone": apierr.ErrPermissionDenied}}
	if _, err := wsWalkTree(context.Background(), broken, "/"); !errors.Is(err, apierr.ErrPermissionDenied) {
		t.Errorf("walk with a failing folder: %v, want ErrPermissionDenied", err)
	}
}

// wsTestErrTree fails the listed folders with the given errors; get-status
// finds the folders in exists.
type wsTestErrTree struct {
	wsTestFakeTree
	errs   map[string]error
	exists map[string]bool
}

func (f wsTestErrTree) GetStatus(_ context.Context, req workspace.GetStatusRequest) (*workspace.ObjectInfo, error) {
	if f.exists[req.Path] {
		return &workspace.ObjectInfo{Path: req.Path, ObjectType: workspace.ObjectTypeDirectory}, nil
	}
	return nil, apierr.ErrResourceDoesNotExist
}

func (f wsTestErrTree) ListAll(ctx context.Context, req workspace.ListWorkspaceRequest) ([]workspace.ObjectInfo, error) {
	if err := f.errs[req.Path]; err != nil {
		return nil, err
	}
	return f.wsTestFakeTree.ListAll(ctx, req)
}

// wsTestFakeTree is an in-memory lister for object types the emulator cannot
// make (Git folders, libraries, dashboards): folder path → entries.
type wsTestFakeTree map[string][]workspace.ObjectInfo

func (f wsTestFakeTree) GetStatus(_ context.Context, req workspace.GetStatusRequest) (*workspace.ObjectInfo, error) {
	return nil, fmt.Errorf("unexpected get-status of %s", req.Path)
}

func (f wsTestFakeTree) ListAll(_ context.Context, req workspace.ListWorkspaceRequest) ([]workspace.ObjectInfo, error) {
	entries, ok := f[req.Path]
	if !ok {
		return nil, fmt.Errorf("unexpected list of %s", req.Path)
	}
	return entries, nil
}

// Protects what is never copied: Git folders are skipped and not descended,
// libraries, dashboards and unknown types are skipped with a reason, and none
// of them needs an export.
func TestWorkspaceSkips(t *testing.T) {
	tree := wsTestFakeTree{
		"/":      {{ObjectType: workspace.ObjectTypeDirectory, Path: "/Repos"}},
		"/Repos": {{ObjectType: workspace.ObjectTypeDirectory, Path: "/Repos/ann"}},
		"/Repos/ann": {
			{ObjectType: workspace.ObjectTypeRepo, Path: "/Repos/ann/proj"},
			{ObjectType: workspace.ObjectTypeLibrary, Path: "/Repos/ann/lib"},
			{ObjectType: workspace.ObjectTypeDashboard, Path: "/Repos/ann/sales.lvdash.json", ModifiedAt: 5},
			{ObjectType: "MLFLOW_EXPERIMENT", Path: "/Repos/ann/exp"},
		},
	}
	infos, err := wsWalkTree(context.Background(), tree, "/")
	if err != nil {
		t.Fatalf("walk (a list of /Repos/ann/proj would fail): %v", err)
	}
	wantKind := map[string]string{"/Repos/ann/proj": Directory, "/Repos/ann/lib": File,
		"/Repos/ann/sales.lvdash.json": File, "/Repos/ann/exp": File}
	for _, info := range infos {
		kind, skip := wsKindOf(info)
		want, skipped := wantKind[info.Path]
		if !skipped {
			if skip != "" {
				t.Errorf("%s skipped: %s", info.Path, skip)
			}
			continue
		}
		o := wsObject(kind, info, skip)
		if kind != want || o.Skip == "" || o.Doc == nil || o.Mark != 0 || o.Builtin {
			t.Errorf("%s: kind %s skip %q Doc %v Mark %d; want kind %s, skipped with Doc {} and no Mark",
				info.Path, kind, o.Skip, o.Doc, o.Mark, want)
		}
	}
	if len(infos) != 6 {
		t.Errorf("walk found %d objects, want 6", len(infos))
	}
}

// Protects the builtin rule: "/", the root folders and user homes exist in
// every workspace; anything deeper is drsync's to copy.
func TestWorkspaceBuiltin(t *testing.T) {
	for path, want := range map[string]bool{
		"/": true, "/Users": true, "/Shared": true, "/Repos": true, "/Users/a b@x.com": true,
		"/Users/a/b": false, "/Shared/x": false, "/Repos/ann": false, "/Usersx": false, "/Other": false,
	} {
		if got := wsBuiltin(path); got != want {
			t.Errorf("wsBuiltin(%q) = %v, want %v", path, got, want)
		}
	}
}

// wsTestExportRaw exports path in format and returns the bytes.
func wsTestExportRaw(t *testing.T, w *databricks.WorkspaceClient, path string, format workspace.ExportFormat) string {
	t.Helper()
	resp, err := w.Workspace.Export(context.Background(), workspace.ExportRequest{Path: path, Format: format})
	if err != nil {
		t.Fatalf("export %s: %v", path, err)
	}
	data, err := resp.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// wsTestCopy does what the engine does for one object: read (when the kind
// has no listed Doc), normalise, denormalise, create in the target.
func wsTestCopy(t *testing.T, k resource.Kind, src, dst resource.Workspace, obj resource.Object) resource.Applied {
	t.Helper()
	ctx := context.Background()
	raw := obj.Doc
	if raw == nil {
		var err error
		if raw, err = k.(resource.Reader).Read(ctx, src, obj); err != nil {
			t.Fatalf("read %s: %v", obj.ID, err)
		}
	}
	self := func(_, id string) (string, bool) { return id, true }
	n := k.Schema().Normalize(raw, self)
	doc, err := k.Schema().Denormalize(n.Doc, obj.Key, func(r resource.Ref) (string, bool) { return r.Key, true })
	if err != nil {
		t.Fatal(err)
	}
	applied, err := k.Create(ctx, dst, resource.Object{Kind: k.Name(), Key: obj.Key, ID: obj.ID, Doc: doc})
	if err != nil {
		t.Fatalf("create %s %s: %v", k.Name(), obj.ID, err)
	}
	return applied
}

// Protects the copy itself: every folder, all four notebook languages and
// files (empty, binary, notebook-looking .py) arrive byte for byte, keep
// their type, and Applied carries the target path and modified_at.
func TestWorkspaceRoundTrip(t *testing.T) {
	srcSrv, srcW, src := wsTestStart(t)
	_, dstW, dst := wsTestStart(t)
	src.Side = "source"
	wsTestSeed(t, srcSrv, wsTestTree...)

	_, ks := wsTestKinds()
	for _, k := range ks {
		objs, err := k.List(context.Background(), src)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range objs {
			if o.Builtin {
				continue
			}
			applied := wsTestCopy(t, k, src, dst, o)
			info, err := dstW.Workspace.GetStatus(context.Background(), workspace.GetStatusRequest{Path: o.ID})
			if err != nil {
				t.Fatalf("%s missing in target: %v", o.ID, err)
			}
			srcInfo, _ := srcW.Workspace.GetStatus(context.Background(), workspace.GetStatusRequest{Path: o.ID})
			if info.ObjectType != srcInfo.ObjectType || info.Language != srcInfo.Language {
				t.Errorf("%s: target is %s/%s, source %s/%s", o.ID, info.ObjectType, info.Language,
					srcInfo.ObjectType, srcInfo.Language)
			}
			if applied.ID != o.ID || applied.Mark != info.ModifiedAt {
				t.Errorf("%s: Applied %+v, want ID = path and Mark = target modified_at %d", o.ID, applied, info.ModifiedAt)
			}
			if k.Name() == Directory {
				continue
			}
			format := map[string]workspace.ExportFormat{Notebook: workspace.ExportFormatSource,
				File: workspace.ExportFormatAuto}[k.Name()]
			if a, b := wsTestExportRaw(t, srcW, o.ID, format), wsTestExportRaw(t, dstW, o.ID, format); a != b {
				t.Errorf("%s: target export %q, source %q", o.ID, b, a)
			}
		}
	}
	_, srcKinds := wsTestKinds()
	_, dstKinds := wsTestKinds()
	srcObjs, dstObjs := wsTestListAll(t, src, srcKinds), wsTestListAll(t, dst, dstKinds)
	for kind := range srcObjs {
		if a, b := wsTestIDs(srcObjs[kind]), wsTestIDs(dstObjs[kind]); !slices.Equal(a, b) {
			t.Errorf("%s: target has %q, source %q", kind, b, a)
		}
	}
}

// Protects reruns after a crash between the write and the ledger write: a
// Create over an existing notebook or file replaces it instead of failing
// with RESOURCE_ALREADY_EXISTS, and the Mark moves.
func TestWorkspaceCreateOverwrites(t *testing.T) {
	srv, w, ws := wsTestStart(t)
	wsTestSeed(t, srv, emulator.SeedObject{Path: "/Shared/a b/nb", ObjectType: "NOTEBOOK", Language: "PYTHON", Content: "old"},
		emulator.SeedObject{Path: "/Shared/a b/f.txt", ObjectType: "FILE", Content: "old"})
	before, _ := w.Workspace.GetStatus(context.Background(), workspace.GetStatusRequest{Path: "/Shared/a b/nb"})
	enc := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	cases := []struct {
		kind resource.Kind
		path string
		doc  resource.Doc
		want string
	}{
		{newNotebook(newWSTree()), "/Shared/a b/nb", resource.Doc{"language": "PYTHON", "content": enc("# Databricks notebook source\nnew")},
			"# Databricks notebook source\nnew"},
		{newFile(newWSTree()), "/Shared/a b/f.txt", resource.Doc{"content": enc("new")}, "new"},
	}
	for _, c := range cases {
		applied, err := c.kind.Create(context.Background(), ws, resource.Object{Kind: c.kind.Name(), Key: c.path, ID: c.path, Doc: c.doc})
		if err != nil {
			t.Fatalf("create over existing %s: %v", c.path, err)
		}
		if got := wsTestExportRaw(t, w, c.path, workspace.ExportFormatAuto); got != c.want {
			t.Errorf("%s = %q after overwrite, want %q", c.path, got, c.want)
		}
		if c.kind.Name() == Notebook && applied.Mark <= before.ModifiedAt {
			t.Errorf("Mark %d did not move past %d", applied.Mark, before.ModifiedAt)
		}
	}
}

// Protects unmanaged content in DR: deleting a folder never deletes what is
// inside it; the API error reaches the engine as ErrBadRequest. Deleting
// something already gone is not an error.
func TestWorkspaceDelete(t *testing.T) {
	srv, w, ws := wsTestStart(t)
	wsTestSeed(t, srv, emulator.SeedObject{Path: "/Shared/keep/theirs", ObjectType: "NOTEBOOK", Language: "SQL", Content: "SELECT 1"})
	count := srv.WorkspaceObjectCount()

	err := newDirectory(newWSTree()).Delete(context.Background(), ws, "/Shared/keep")
	if !errors.Is(err, apierr.ErrBadRequest) {
		t.Errorf("delete of a non-empty folder: %v, want ErrBadRequest", err)
	}
	if n := srv.WorkspaceObjectCount(); n != count {
		t.Errorf("objects after refused delete = %d, want %d", n, count)
	}
	if _, err := w.Workspace.GetStatus(context.Background(), workspace.GetStatusRequest{Path: "/Shared/keep/theirs"}); err != nil {
		t.Errorf("child gone after refused delete: %v", err)
	}

	for _, k := range []resource.Kind{newNotebook(newWSTree()), newDirectory(newWSTree())} {
		id := map[string]string{Notebook: "/Shared/keep/theirs", Directory: "/Shared/keep"}[k.Name()]
		if err := k.Delete(context.Background(), ws, id); err != nil {
			t.Errorf("delete %s %s: %v", k.Name(), id, err)
		}
	}
	for _, k := range []resource.Kind{newDirectory(newWSTree()), newNotebook(newWSTree()), newFile(newWSTree())} {
		if err := k.Delete(context.Background(), ws, "/Shared/never there"); err != nil {
			t.Errorf("%s delete of a missing path: %v, want nil", k.Name(), err)
		}
	}
}

// Protects notebooks read without a listing (an incremental sync builds the
// Object from a path): the language then comes from get-status.
func TestNotebookReadWithoutListing(t *testing.T) {
	srv, _, ws := wsTestStart(t)
	wsTestSeed(t, srv, emulator.SeedObject{Path: "/Shared/q", ObjectType: "NOTEBOOK", Language: "SCALA", Content: "1"})
	doc, err := newNotebook(newWSTree()).(resource.Reader).Read(context.Background(), ws, resource.Object{Kind: Notebook, ID: "/Shared/q"})
	if err != nil {
		t.Fatal(err)
	}
	content, _ := base64.StdEncoding.DecodeString(doc["content"].(string))
	if doc["language"] != "SCALA" || string(content) != "// Databricks notebook source\n1" {
		t.Errorf("doc = %v (content %q)", doc, content)
	}
}
