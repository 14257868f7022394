package catalog

import (
	"context"
	"sync/atomic"

	"github.com/drsync/drsync/shared/connect"
	"github.com/drsync/drsync/shared/resource"
)

// IDMap is the config's id_map: per object type, source id → DR id. It wins
// over matching by name, for objects whose DR counterpart is named
// differently (or whose name is not unique).
type IDMap struct {
	Warehouses, Pipelines, Destinations map[string]string
	// Queries, Dashboards and Alerts (SQL tasks, dashboard tasks) are found
	// through id_map only: their lists are not read.
	Queries, Dashboards, Alerts map[string]string
}

// Catalog holds, for one run, what was read of the source and DR workspaces:
// the lists of referenced objects (LoadRefs) and DR's catalogs (LoadChecks).
// The Load methods may be called more than once; each list is read at most
// once per Catalog. After loading, a Catalog is used from one goroutine.
type Catalog struct {
	src, dr resource.Workspace
	ids     IDMap

	srcAPI, drAPI *api // built on first use (see apis)

	refs  map[refType]*refLists // per type, the listings read by LoadRefs
	drcat drCatalog             // what LoadChecks read of DR

	calls atomic.Int64
}

// New returns an empty Catalog for the pair: nothing is read until a Load
// method is called. src and dr carry drsync's *connect.Client as API.
func New(src, dr resource.Workspace, ids IDMap) *Catalog {
	return &Catalog{src: src, dr: dr, ids: ids, refs: map[refType]*refLists{}, drcat: newDRCatalog()}
}

// Calls is the number of HTTP requests the Catalog has sent so far, every
// page of a listing and every SDK retry included (counted by the client's
// transport, see connect.CountRequests).
func (c *Catalog) Calls() int { return int(c.calls.Load()) }

// counted is ctx with the Catalog's request counter.
func (c *Catalog) counted(ctx context.Context) context.Context {
	return connect.CountRequests(ctx, &c.calls)
}

// apis builds, once, the SDK services of both sides.
// Errors: a workspace whose API is not a *connect.Client.
func (c *Catalog) apis() (src, dr *api, err error) {
	if c.srcAPI == nil {
		if c.srcAPI, err = apiOf(c.src); err != nil {
			return nil, nil, err
		}
	}
	if c.drAPI == nil {
		if c.drAPI, err = apiOf(c.dr); err != nil {
			return nil, nil, err
		}
	}
	return c.srcAPI, c.drAPI, nil
}
