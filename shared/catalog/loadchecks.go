package catalog

import (
	"cmp"
	"context"
	"maps"
	"slices"

	"golang.org/x/sync/errgroup"

	"github.com/drsync/drsync/shared/resource"
)

// checkNeeds is what a set of documents needs read of DR.
type checkNeeds struct {
	nodeTypes, runtimes, zones, profiles bool
	scopes                               map[string]bool // scopeKey of every referenced scope
	principals                           map[principal]bool
}

// needsOf collects what docs need checked.
func needsOf(docs []resource.Doc) checkNeeds {
	n := checkNeeds{scopes: map[string]bool{}, principals: map[principal]bool{}}
	for _, doc := range docs {
		for _, l := range leaves(doc) {
			n.add(l)
		}
	}
	return n
}

// add records what leaf l needs.
func (n *checkNeeds) add(l leaf) {
	check, ok := checkOf(l.path)
	if !ok || l.value == "" {
		return
	}
	switch check {
	case nodeTypeCheck:
		n.nodeTypes = true
	case runtimeCheck:
		n.runtimes = true
	case zoneCheck:
		n.zones = n.zones || l.value != autoZone
	case profileCheck:
		n.profiles = true
	case secretCheck:
		for _, ref := range secretRefs(l.value) {
			n.scopes[scopeKey(ref.scope)] = true
		}
	case principalCheck:
		if p, ok := principalAt(l.path, l.value); ok && (p.kind != groupPrincipal || !builtinGroups[p.name]) {
			n.principals[p] = true
		}
	}
}

// autoZone lets the service pick a zone: valid in any region.
const autoZone = "auto"

// LoadChecks reads the DR catalogs docs need, and only those: node types,
// runtimes, zones, instance profiles, secret scopes and the keys of the
// referenced scopes, and each principal named (one SCIM lookup per distinct
// principal). What an earlier call read is not read again. Reads run
// concurrently, a few at a time.
// Errors: the first failed read's, wrapped with what was being read.
func (c *Catalog) LoadChecks(ctx context.Context, docs []resource.Doc) error {
	due := c.drcat.due(needsOf(docs))
	if due.empty() {
		return nil
	}
	_, dr, err := c.apis()
	if err != nil {
		return err
	}
	var got drCatalog // each read fills its own field
	found := make([]bool, len(due.principals))
	g, gctx := errgroup.WithContext(c.counted(ctx))
	g.SetLimit(loadConcurrency)
	if due.nodeTypes {
		g.Go(func() (err error) { got.nodeTypes, err = readNodeTypes(gctx, dr); return err })
	}
	if due.runtimes {
		g.Go(func() (err error) { got.runtimes, err = readRuntimes(gctx, dr); return err })
	}
	if due.zones {
		g.Go(func() (err error) { got.zones, err = readZones(gctx, dr); return err })
	}
	if due.profiles {
		g.Go(func() (err error) { got.profiles, err = readProfiles(gctx, dr); return err })
	}
	if due.secrets {
		g.Go(func() (err error) {
			got.secrets, err = readSecrets(gctx, dr, c.drcat.secrets, due.scopes)
			return err
		})
	}
	for i, p := range due.principals {
		g.Go(func() (err error) { found[i], err = readPrincipal(gctx, dr, p); return err })
	}
	if err := g.Wait(); err != nil {
		return err
	}
	c.drcat.merge(got)
	for i, p := range due.principals {
		c.drcat.principals[p] = found[i]
	}
	return nil
}

// dueReads is what a LoadChecks has to read: what is needed and not yet read.
type dueReads struct {
	nodeTypes, runtimes, zones, profiles, secrets bool
	scopes                                        map[string]bool
	principals                                    []principal // sorted
}

// due is what of n d has not read yet.
func (d *drCatalog) due(n checkNeeds) dueReads {
	out := dueReads{
		nodeTypes: n.nodeTypes && d.nodeTypes == nil,
		runtimes:  n.runtimes && d.runtimes == nil,
		zones:     n.zones && d.zones == nil,
		profiles:  n.profiles && d.profiles == nil,
		secrets:   len(n.scopes) > 0 && (d.secrets.scopes == nil || hasUnreadScope(d.secrets, n.scopes)),
		scopes:    n.scopes,
	}
	for _, p := range slices.SortedFunc(maps.Keys(n.principals), comparePrincipals) {
		if _, known := d.principals[p]; !known {
			out.principals = append(out.principals, p)
		}
	}
	return out
}

// empty reports whether nothing is due.
func (u dueReads) empty() bool {
	return !u.nodeTypes && !u.runtimes && !u.zones && !u.profiles && !u.secrets && len(u.principals) == 0
}

// hasUnreadScope reports whether a scope in want exists in DR with keys not read yet.
func hasUnreadScope(s drSecrets, want map[string]bool) bool {
	for scope := range want {
		if _, ok := s.scopes[scope]; ok && s.keys[scope] == nil {
			return true
		}
	}
	return false
}

// merge keeps what a LoadChecks read (a nil field: not read this time).
func (d *drCatalog) merge(got drCatalog) {
	if got.nodeTypes != nil {
		d.nodeTypes = got.nodeTypes
	}
	if got.runtimes != nil {
		d.runtimes = got.runtimes
	}
	if got.zones != nil {
		d.zones = got.zones
	}
	if got.profiles != nil {
		d.profiles = got.profiles
	}
	if got.secrets.scopes != nil {
		d.secrets.scopes = got.secrets.scopes
	}
	maps.Copy(d.secrets.keys, got.secrets.keys)
}

// comparePrincipals orders principals by kind, then name.
func comparePrincipals(a, b principal) int {
	return cmp.Or(cmp.Compare(a.kind, b.kind), cmp.Compare(a.name, b.name))
}
