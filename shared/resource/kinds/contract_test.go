package kinds

// The contract test: every kind goes through the same create → list → update →
// delete cycle against one emulated workspace, through the real SDK. It is the
// one place that checks an adapter and its Schema against what the service
// really returns, above all that the server's defaults and read-only fields
// never show as drift.
//
// A kind joins by adding a fixture to apiFixtures (fixtures_api_test.go) or
// wsFixtures (fixtures_ws_test.go).

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/databricks/databricks-sdk-go"

	"github.com/drsync/drsync/shared/emulator"
	"github.com/drsync/drsync/shared/emulator/emutest"
	"github.com/drsync/drsync/shared/resource"
)

// fixture is one object of one kind for the contract test.
type fixture struct {
	name string // subtest name, unique among fixtures
	kind string // the kind's name (Policy, Notebook, ...)
	// seed, when set, creates what the object needs first (a policy it
	// references, a parent folder) and returns values doc may use, by name.
	seed func(t *testing.T, e *contractEnv) map[string]string
	// id is want.ID on create: the target path for Paths kinds, "" otherwise.
	id string
	// doc is the object to create as JSON in wire form: references are ids in
	// this workspace, no contractSameID marker (the harness adds it as the engine does).
	doc func(seeded map[string]string) string
	// update changes the created document in place into one the kind can Update
	// to (no ForceNew field). It may leave it as it is for a kind with nothing
	// to update (a folder): Update must then keep the hash.
	update func(d resource.Doc)
	// wantName is the Name List must report for the object.
	wantName string
}

// contractEnv is the workspace every fixture runs in.
type contractEnv struct {
	srv *emulator.Server
	w   *databricks.WorkspaceClient
	ws  resource.Workspace
}

// allFixtures are the fixtures of every kind.
func allFixtures() []fixture {
	return slices.Concat(apiFixtures, wsFixtures)
}

// contractSameID resolves every id to itself: one workspace is both sides here.
func contractSameID(_, id string) (string, bool) { return id, true }

// Every kind creates, lists (with its contractSameID, name and marker), round-trips
// its document without drift, updates, deletes, and deletes a missing object
// without error.
func TestContract(t *testing.T) {
	srv, w := emutest.Start(t, emulator.Options{})
	env := &contractEnv{srv: srv, w: w, ws: emutest.Workspace(t, srv, "target")}
	kinds := map[string]resource.Kind{}
	for _, k := range All() {
		kinds[k.Name()] = k
	}
	for _, f := range allFixtures() {
		t.Run(f.kind+"/"+f.name, func(t *testing.T) {
			k, ok := kinds[f.kind]
			if !ok {
				t.Fatalf("kind %q is not registered", f.kind)
			}
			runContract(t, env, k, f)
		})
	}
}

// Every registered kind has at least one contract fixture.
func TestContractCoversEveryKind(t *testing.T) {
	have := map[string]bool{}
	for _, f := range allFixtures() {
		have[f.kind] = true
	}
	for _, k := range All() {
		if !have[k.Name()] {
			t.Errorf("kind %s has no contract fixture", k.Name())
		}
	}
}

func runContract(t *testing.T, e *contractEnv, k resource.Kind, f fixture) {
	ctx := context.Background()
	s := k.Schema()
	var seeded map[string]string
	if f.seed != nil {
		seeded = f.seed(t, e)
	}
	key := "src-" + f.name
	want := contractMarked(s, contractDoc(t, f.doc(seeded)), key)

	applied, err := k.Create(ctx, e.ws, resource.Object{Kind: k.Name(), Key: key, ID: f.id, Name: f.wantName, Doc: want})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if applied.ID == "" {
		t.Fatal("create returned no id")
	}
	if fin, ok := k.(resource.Finisher); ok {
		if err := fin.AfterCreate(ctx, e.ws, applied.ID, resource.DefaultWarmPolicy()); err != nil {
			t.Fatalf("after create: %v", err)
		}
	}

	first := checkListed(t, e, k, applied.ID, f, key, want)

	updated := resource.Clone(want)
	f.update(updated)
	got, err := k.Update(ctx, e.ws, applied.ID, resource.Object{Kind: k.Name(), Key: key, ID: applied.ID, Name: f.wantName, Doc: updated})
	if err != nil {
		t.Fatalf("update: %v", err)
	}
	if got.ID != applied.ID {
		t.Fatalf("update returned id %q, want %q", got.ID, applied.ID)
	}
	// checkListed proved the listed document matches updated; also make sure
	// the update really reached the workspace rather than leaving it as it was.
	changed := resource.Hash(s.Normalize(updated, contractSameID).Doc) != first
	if second := checkListed(t, e, k, applied.ID, f, key, updated); changed && second == first {
		t.Fatal("update did not change the listed document's hash")
	}

	if err := k.Delete(ctx, e.ws, applied.ID); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if obj := contractFind(t, e, k, applied.ID); obj != nil {
		t.Fatalf("listed after delete: %+v", obj)
	}
	if err := k.Delete(ctx, e.ws, applied.ID); err != nil {
		t.Fatalf("delete of a deleted object: %v", err)
	}
}

// checkListed lists the kind, finds id and checks its contractSameID and that its
// normalised document hashes like the normalised document sent. It returns the hash.
func checkListed(t *testing.T, e *contractEnv, k resource.Kind, id string, f fixture, key string, sent resource.Doc) string {
	t.Helper()
	obj := contractFind(t, e, k, id)
	switch {
	case obj == nil:
		t.Fatalf("%s not listed", id)
	case obj.Kind != k.Name() || obj.Key != id || obj.Name != f.wantName:
		t.Fatalf("listed as kind %q key %q name %q, want %q %q %q", obj.Kind, obj.Key, obj.Name, k.Name(), id, f.wantName)
	case obj.Builtin || obj.Skip != "":
		t.Fatalf("created object listed as builtin %v / skip %q", obj.Builtin, obj.Skip)
	}
	raw := contractRead(t, e, k, *obj)
	s := k.Schema()
	got, exp := s.Normalize(raw, contractSameID), s.Normalize(sent, contractSameID)
	if resource.Hash(got.Doc) != resource.Hash(exp.Doc) {
		t.Fatalf("listed document drifts from the one sent in %v\n listed: %s\n   sent: %s\n    raw: %s",
			resource.Diff(got.Doc, exp.Doc, 6), contractJSON(got.Doc), contractJSON(exp.Doc), contractJSON(raw))
	}
	if s.Marker != "" && got.Origin != key {
		t.Fatalf("origin = %q, want %q (marker %s)", got.Origin, key, s.Marker)
	}
	return resource.Hash(got.Doc)
}

// contractRead is the listed raw document, or Read's when the listing has none.
func contractRead(t *testing.T, e *contractEnv, k resource.Kind, obj resource.Object) resource.Doc {
	t.Helper()
	if obj.Doc != nil {
		return obj.Doc
	}
	r, ok := k.(resource.Reader)
	if !ok {
		t.Fatalf("%s listed without a Doc and the kind has no Read", obj.ID)
	}
	doc, err := r.Read(context.Background(), e.ws, obj)
	if err != nil {
		t.Fatalf("read %s: %v", obj.ID, err)
	}
	return doc
}

// find lists the kind and returns the object with that id, or nil.
func contractFind(t *testing.T, e *contractEnv, k resource.Kind, id string) *resource.Object {
	t.Helper()
	objs, err := k.List(context.Background(), e.ws)
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	for i := range objs {
		if objs[i].ID == id {
			return &objs[i]
		}
	}
	return nil
}

// contractMarked returns d with the contractSameID marker set to key, as the engine's
// Denormalize does (when the kind has a marker).
func contractMarked(s *resource.Schema, d resource.Doc, key string) resource.Doc {
	d = resource.Clone(d)
	if s.Marker == "" {
		return d
	}
	segs := strings.Split(s.Marker, ".")
	m := d
	for _, seg := range segs[:len(segs)-1] {
		child, ok := m[seg].(map[string]any)
		if !ok {
			child = map[string]any{}
			m[seg] = child
		}
		m = child
	}
	m[segs[len(segs)-1]] = key
	return d
}

// contractDoc parses a JSON object into a Doc (numbers as json.Number).
func contractDoc(t testing.TB, s string) resource.Doc {
	t.Helper()
	d, err := resource.ToDoc([]byte(s))
	if err != nil {
		t.Fatalf("bad JSON %s: %v", s, err)
	}
	return d
}

func contractJSON(v any) string {
	data, err := json.Marshal(v)
	if err != nil {
		return err.Error()
	}
	return string(data)
}

// contractSeedErr fails the test when a seed call failed.
func contractSeedErr(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("seed %s: %v", what, err)
	}
}
