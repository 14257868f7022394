package emulator

import (
	"cmp"
	"net/http"
	"slices"
	"strings"
)

// catalogState is the server's copy of its Catalog, indexed so that the
// create/edit checks are map lookups whatever the catalog's size.
type catalogState struct {
	cat       *Catalog
	nodeTypes map[string]NodeType
	versions  map[string]bool
	zones     map[string]bool
	profiles  map[string]int // instance_profile_arn → index in cat.InstanceProfiles
}

func newCatalogState(c *Catalog) *catalogState {
	if c == nil {
		c = DefaultCatalog()
	}
	c = c.clone()
	c.DefaultZone = cmp.Or(c.DefaultZone, firstOr(c.Zones, ""))
	st := &catalogState{cat: c, nodeTypes: map[string]NodeType{}, versions: map[string]bool{}, zones: map[string]bool{}}
	for _, n := range c.NodeTypes {
		st.nodeTypes[n.NodeTypeID] = n
	}
	for _, v := range c.SparkVersions {
		st.versions[v.Key] = true
	}
	for _, z := range c.Zones {
		st.zones[z] = true
	}
	st.indexProfiles()
	return st
}

func firstOr[T any](xs []T, def T) T {
	if len(xs) == 0 {
		return def
	}
	return xs[0]
}

func (st *catalogState) indexProfiles() {
	st.profiles = make(map[string]int, len(st.cat.InstanceProfiles))
	for i, p := range st.cat.InstanceProfiles {
		st.profiles[p.InstanceProfileARN] = i
	}
}

// catalogRoutes serves the three catalog calls (reference part 2 §9). The
// SDK v0.118.0 calls the 2.1 paths; the 2.0 paths answer the same, as the
// service's do.
func (s *Server) catalogRoutes() {
	for _, v := range []string{"2.0", "2.1"} {
		p := "/api/" + v + "/clusters/"
		s.route(http.MethodGet, p+"list-node-types", s.listNodeTypes)
		s.route(http.MethodGet, p+"spark-versions", s.sparkVersions)
		s.route(http.MethodGet, p+"list-zones", s.listZones)
	}
}

func (s *Server) listNodeTypes(*http.Request) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]compDoc, 0, len(s.cat.cat.NodeTypes))
	for _, n := range s.cat.cat.NodeTypes {
		out = append(out, nodeTypeView(n))
	}
	return compDoc{"node_types": out}, nil
}

// nodeTypeView is the wire shape of a node type (SDK compute.NodeType).
func nodeTypeView(n NodeType) compDoc {
	status := n.Status
	if status == nil {
		status = []string{}
	}
	return compDoc{
		"node_type_id": n.NodeTypeID, "instance_type_id": n.InstanceTypeID,
		"memory_mb": n.MemoryMB, "num_cores": n.NumCores, "num_gpus": n.NumGPUs,
		"category": n.Category, "description": n.Description,
		"is_deprecated": n.IsDeprecated, "is_hidden": n.IsHidden, "is_graviton": n.IsGraviton,
		"is_io_cache_enabled": n.LocalDisks > 0, "is_encrypted_in_transit": false,
		"photon_driver_capable": n.PhotonDriverCapable, "photon_worker_capable": n.PhotonWorkerCapable,
		"support_ebs_volumes": true, "support_cluster_tags": true, "support_port_forwarding": true,
		"node_instance_type": compDoc{"instance_type_id": n.InstanceTypeID,
			"local_disks": n.LocalDisks, "local_disk_size_gb": n.LocalDiskSizeGB},
		"node_info": compDoc{"status": status},
	}
}

func (s *Server) sparkVersions(*http.Request) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return compDoc{"versions": slices.Clone(s.cat.cat.SparkVersions)}, nil
}

func (s *Server) listZones(*http.Request) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return compDoc{"zones": slices.Clone(s.cat.cat.Zones), "default_zone": s.cat.cat.DefaultZone}, nil
}

// usableNodeTypes is the "Supported node types" list of the refusal message,
// built only when a refusal is made.
func (st *catalogState) usableNodeTypes() string {
	var ids []string
	for _, n := range st.cat.NodeTypes {
		if n.usable() {
			ids = append(ids, n.NodeTypeID)
		}
	}
	return strings.Join(ids, ", ")
}
