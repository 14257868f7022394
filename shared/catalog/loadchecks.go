package catalog

import (
	"context"
	"maps"
	"slices"

	"golang.org/x/sync/errgroup"

	"github.com/databricks/databricks-sdk-go/service/compute"

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
		if p, ok := principalAt(l.path, l.value); ok && !(p.kind == groupPrincipal && builtinGroups[p.name]) {
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
	need := needsOf(docs)
	d := &c.drcat
	var principals []principal
	for _, p := range slices.SortedFunc(maps.Keys(need.principals), comparePrincipals) {
		if _, known := d.principals[p]; !known {
			principals = append(principals, p)
		}
	}
	secretsDue := len(need.scopes) > 0 && (d.secrets.scopes == nil || hasUnreadScope(d.secrets, need.scopes))
	if !(need.nodeTypes && d.nodeTypes == nil) && !(need.runtimes && d.runtimes == nil) &&
		!(need.zones && d.zones == nil) && !(need.profiles && d.profiles == nil) && !secretsDue && len(principals) == 0 {
		return nil
	}
	_, dr, err := c.apis()
	if err != nil {
		return err
	}
	var (
		nodeTypes map[string]compute.NodeType
		runtimes  map[string]bool
		zones     []string
		profiles  map[string]bool
		secrets   drSecrets
		found     = make([]bool, len(principals))
	)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(loadConcurrency)
	if need.nodeTypes && d.nodeTypes == nil {
		g.Go(func() (err error) { nodeTypes, err = c.readNodeTypes(gctx, dr); return err })
	}
	if need.runtimes && d.runtimes == nil {
		g.Go(func() (err error) { runtimes, err = c.readRuntimes(gctx, dr); return err })
	}
	if need.zones && d.zones == nil {
		g.Go(func() (err error) { zones, err = c.readZones(gctx, dr); return err })
	}
	if need.profiles && d.profiles == nil {
		g.Go(func() (err error) { profiles, err = c.readProfiles(gctx, dr); return err })
	}
	if secretsDue {
		g.Go(func() (err error) { secrets, err = c.readSecrets(gctx, dr, d.secrets, need.scopes); return err })
	}
	for i, p := range principals {
		g.Go(func() (err error) { found[i], err = c.readPrincipal(gctx, dr, p); return err })
	}
	if err := g.Wait(); err != nil {
		return err
	}
	d.merge(nodeTypes, runtimes, zones, profiles, secrets)
	for i, p := range principals {
		d.principals[p] = found[i]
	}
	return nil
}

// hasUnreadScope reports whether a scope in want exists in DR with keys not read yet.
func hasUnreadScope(s drSecrets, want map[string]bool) bool {
	for scope := range want {
		if s.scopes[scope] && s.keys[scope] == nil {
			return true
		}
	}
	return false
}

// merge keeps what a LoadChecks read (nil: not read this time).
func (d *drCatalog) merge(nodeTypes map[string]compute.NodeType, runtimes map[string]bool, zones []string, profiles map[string]bool, secrets drSecrets) {
	if nodeTypes != nil {
		d.nodeTypes = nodeTypes
	}
	if runtimes != nil {
		d.runtimes = runtimes
	}
	if zones != nil {
		d.zones = zones
	}
	if profiles != nil {
		d.profiles = profiles
	}
	if secrets.scopes != nil {
		d.secrets.scopes = secrets.scopes
	}
	maps.Copy(d.secrets.keys, secrets.keys)
}

// comparePrincipals orders principals by kind, then name.
func comparePrincipals(a, b principal) int {
	if a.kind != b.kind {
		return int(a.kind) - int(b.kind)
	}
	switch {
	case a.name < b.name:
		return -1
	case a.name > b.name:
		return 1
	}
	return 0
}
