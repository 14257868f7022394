package catalog

import (
	"fmt"
	"slices"
	"strings"

	"github.com/drsync/drsync/shared/resource"
)

// Check lists what in doc DR cannot run, wherever it occurs in the document
// (the fields in checkRules): a node type DR does not offer for use, a
// runtime it does not offer, a zone not among its zones ("auto" and absent
// are fine), an instance profile not registered in it, a
// {{secrets/scope/key}} whose scope or key it lacks, a principal it lacks.
// Sorted by field, then value. It reads nothing (see LoadChecks); a value
// whose catalog was not read is blocked as unchecked, never passed.
func (c *Catalog) Check(doc resource.Doc) []resource.Blocked {
	var out []resource.Blocked
	for _, l := range leaves(doc) {
		check, ok := checkOf(l.path)
		if !ok || l.value == "" {
			continue
		}
		for _, reason := range c.drcat.reasons(check, l) {
			out = append(out, resource.Blocked{Field: l.field(), Value: l.value, Reason: reason})
		}
	}
	return sortBlocked(out)
}

// reasons says why DR cannot run the value at l, checked against check's
// catalog; none when it can.
func (d *drCatalog) reasons(check checkType, l leaf) []string {
	switch check {
	case nodeTypeCheck:
		return one(d.nodeTypeReason(l.value))
	case runtimeCheck:
		return one(d.runtimeReason(l.value))
	case zoneCheck:
		return one(d.zoneReason(l.value))
	case profileCheck:
		return one(d.profileReason(l.value))
	case secretCheck:
		return d.secrets.reasons(l.value)
	default:
		return one(d.principalReason(l))
	}
}

// one is reason as a list: empty when reason is "".
func one(reason string) []string {
	if reason == "" {
		return nil
	}
	return []string{reason}
}

// nodeTypeReason: usable in DR = listed, not deprecated, not hidden, and no
// node_info.status (NotAvailableInRegion, NotEnabledOnSubscription; §9).
func (d *drCatalog) nodeTypeReason(id string) string {
	if d.nodeTypes == nil {
		return fmt.Sprintf("node type %q was not checked: DR node types were not read (LoadChecks)", id)
	}
	nt, ok := d.nodeTypes[id]
	switch {
	case !ok:
		return fmt.Sprintf("node type %q is not offered in DR", id)
	case nt.IsDeprecated:
		return fmt.Sprintf("node type %q is deprecated in DR", id)
	case nt.IsHidden:
		return fmt.Sprintf("node type %q is hidden in DR", id)
	case nt.NodeInfo != nil && len(nt.NodeInfo.Status) > 0:
		status := make([]string, len(nt.NodeInfo.Status))
		for i, s := range nt.NodeInfo.Status {
			status[i] = string(s)
		}
		return fmt.Sprintf("node type %q is not usable in DR: %s", id, strings.Join(status, ", "))
	}
	return ""
}

func (d *drCatalog) runtimeReason(v string) string {
	switch {
	case d.runtimes == nil:
		return fmt.Sprintf("runtime %q was not checked: DR runtimes were not read (LoadChecks)", v)
	case !d.runtimes[v]:
		return fmt.Sprintf("runtime %q is not offered in DR", v)
	}
	return ""
}

func (d *drCatalog) zoneReason(z string) string {
	switch {
	case z == autoZone:
		return ""
	case d.zones == nil:
		return fmt.Sprintf("zone %q was not checked: DR zones were not read (LoadChecks)", z)
	case len(d.zones) == 0:
		return fmt.Sprintf("zone %q is not a DR zone (DR lists no zones)", z)
	case !slices.Contains(d.zones, z):
		return fmt.Sprintf("zone %q is not a DR zone (DR has %s)", z, strings.Join(d.zones, ", "))
	}
	return ""
}

func (d *drCatalog) profileReason(arn string) string {
	switch {
	case d.profiles == nil:
		return fmt.Sprintf("instance profile %q was not checked: DR instance profiles were not read (LoadChecks)", arn)
	case !d.profiles[arn]:
		return fmt.Sprintf("instance profile %q is not registered in DR", arn)
	}
	return ""
}

func (d *drCatalog) principalReason(l leaf) string {
	p, ok := principalAt(l.path, l.value)
	if !ok || (p.kind == groupPrincipal && builtinGroups[p.name]) {
		return ""
	}
	found, looked := d.principals[p]
	switch {
	case !looked:
		return fmt.Sprintf("%s was not checked: not looked up in DR (LoadChecks)", p)
	case !found:
		return fmt.Sprintf("%s does not exist in DR", p)
	}
	return ""
}
