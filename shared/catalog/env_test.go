package catalog

import (
	"context"
	"testing"

	"github.com/drsync/drsync/shared/emulator"
	"github.com/drsync/drsync/shared/emulator/emutest"
	"github.com/drsync/drsync/shared/resource"
)

// pair is a source and a DR workspace, each an emulator the real SDK talks to.
type pair struct {
	src, dr     *emulator.Server
	srcWS, drWS resource.Workspace
}

// newPair starts two emulators, DR with catalog drCat (nil: the
// emulator's default), rate limits off: the tests count calls, not pace them.
func newPair(t testing.TB, drCat *emulator.Catalog) *pair {
	t.Helper()
	src, _ := emutest.Start(t, emulator.Options{RateLimits: map[string]float64{}, WorkspaceID: 1001})
	dr, _ := emutest.Start(t, emulator.Options{RateLimits: map[string]float64{}, WorkspaceID: 2002, Catalog: drCat})
	return &pair{src: src, dr: dr, srcWS: emutest.Workspace(t, src, "source"), drWS: emutest.Workspace(t, dr, "target")}
}

// catalog returns a new Catalog on the pair with every request count reset,
// so what the test then sees is the Catalog's own traffic.
func (p *pair) catalog(ids IDMap) *Catalog {
	p.src.ResetRequests()
	p.dr.ResetRequests()
	return New(p.srcWS, p.drWS, ids)
}

// requests is the number of requests both emulators served since catalog.
func (p *pair) requests() int {
	n := 0
	for _, srv := range []*emulator.Server{p.src, p.dr} {
		for _, c := range srv.Requests() {
			n += int(c)
		}
	}
	return n
}

// load runs both Load methods on docs and fails the test on an error.
func load(t testing.TB, c *Catalog, docs ...resource.Doc) {
	t.Helper()
	ctx := context.Background()
	if err := c.LoadRefs(ctx, docs); err != nil {
		t.Fatalf("LoadRefs: %v", err)
	}
	if err := c.LoadChecks(ctx, docs); err != nil {
		t.Fatalf("LoadChecks: %v", err)
	}
}
