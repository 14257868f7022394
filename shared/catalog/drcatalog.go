package catalog

import (
	"context"
	"fmt"
	"slices"

	"github.com/databricks/databricks-sdk-go/service/compute"
)

// drCatalog is what LoadChecks read of DR. A nil map was not read.
type drCatalog struct {
	nodeTypes  map[string]compute.NodeType // node_type_id → its entry
	runtimes   map[string]bool             // spark_version keys offered
	zones      []string                    // sorted, for membership and reasons
	profiles   map[string]bool             // registered instance profile ARNs
	secrets    drSecrets
	principals map[principal]bool // looked up: exists or not
}

func newDRCatalog() drCatalog {
	return drCatalog{principals: map[principal]bool{}, secrets: drSecrets{keys: map[string]map[string]bool{}}}
}

// readNodeTypes reads clusters/list-node-types.
func readNodeTypes(ctx context.Context, a *api) (map[string]compute.NodeType, error) {
	resp, err := a.compute.ListNodeTypes(ctx)
	if err != nil {
		return nil, fmt.Errorf("read DR node types: %w", err)
	}
	out := map[string]compute.NodeType{}
	for _, nt := range resp.NodeTypes {
		out[nt.NodeTypeId] = nt
	}
	return out, nil
}

// readRuntimes reads clusters/spark-versions.
func readRuntimes(ctx context.Context, a *api) (map[string]bool, error) {
	resp, err := a.compute.SparkVersions(ctx)
	if err != nil {
		return nil, fmt.Errorf("read DR runtimes: %w", err)
	}
	out := map[string]bool{}
	for _, v := range resp.Versions {
		out[v.Key] = true
	}
	return out, nil
}

// readZones reads clusters/list-zones.
func readZones(ctx context.Context, a *api) ([]string, error) {
	resp, err := a.compute.ListZones(ctx)
	if err != nil {
		return nil, fmt.Errorf("read DR zones: %w", err)
	}
	zones := slices.Clone(resp.Zones)
	slices.Sort(zones)
	if zones == nil {
		zones = []string{} // read, and empty
	}
	return zones, nil
}

// readProfiles reads instance-profiles/list.
func readProfiles(ctx context.Context, a *api) (map[string]bool, error) {
	profiles, err := a.profiles.ListAll(ctx)
	if err != nil {
		return nil, fmt.Errorf("read DR instance profiles: %w", err)
	}
	out := map[string]bool{}
	for _, p := range profiles {
		out[p.InstanceProfileArn] = true
	}
	return out, nil
}

// readPrincipal looks one principal up in DR.
func readPrincipal(ctx context.Context, a *api, p principal) (bool, error) {
	ok, err := lookupPrincipal(ctx, a, p)
	if err != nil {
		return false, fmt.Errorf("look up DR %s: %w", p, err)
	}
	return ok, nil
}
