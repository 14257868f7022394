package emulator

import (
	"slices"
)

// Catalog is what a workspace offers to run on and who it knows: its AWS
// region and zones, the node types and runtimes clusters may use, the
// instance profiles registered in it, and its users, groups and service
// principals. It differs per workspace (and per region): a DR workspace may
// lack a node type, a runtime, an instance profile or a principal the primary
// has, and create/edit calls refuse what the catalog does not hold
// (reference part 2 §9, §8, §2).
//
// Options.Catalog sets it; nil means DefaultCatalog(). The server copies it
// at New, so the caller may reuse or change its value afterwards.
type Catalog struct {
	// Region is the workspace's AWS region, e.g. "us-west-2".
	Region string `json:"region"`
	// Zones are the availability zones list-zones answers; DefaultZone (one
	// of them) is its default_zone.
	Zones       []string `json:"zones"`
	DefaultZone string   `json:"default_zone"`
	// NodeTypes and SparkVersions are what list-node-types and spark-versions
	// answer, in that order.
	NodeTypes     []NodeType     `json:"node_types"`
	SparkVersions []SparkVersion `json:"versions"`
	// InstanceProfiles are registered at start; instance-profiles/add and
	// remove change them.
	InstanceProfiles []InstanceProfile `json:"instance_profiles,omitempty"`
	// Users, Groups and ServicePrincipals are the workspace's SCIM
	// principals. The token's user (Options.UserName) is always added as a
	// user and a member of "admins", which always exists.
	Users             []User             `json:"users,omitempty"`
	Groups            []Group            `json:"groups,omitempty"`
	ServicePrincipals []ServicePrincipal `json:"service_principals,omitempty"`
}

// NodeType is one entry of clusters/list-node-types (SDK compute.NodeType).
// Status holds node_info.status values such as "NotAvailableInRegion" or
// "NotEnabledOnSubscription": a listed node type with a status, or one that
// is deprecated or hidden, is not usable for new compute (reference §9).
type NodeType struct {
	NodeTypeID          string   `json:"node_type_id"`
	InstanceTypeID      string   `json:"instance_type_id"`
	MemoryMB            int64    `json:"memory_mb"`
	NumCores            float64  `json:"num_cores"`
	NumGPUs             int      `json:"num_gpus,omitempty"`
	Category            string   `json:"category"`
	Description         string   `json:"description"`
	IsDeprecated        bool     `json:"is_deprecated,omitempty"`
	IsHidden            bool     `json:"is_hidden,omitempty"`
	IsGraviton          bool     `json:"is_graviton,omitempty"`
	PhotonDriverCapable bool     `json:"photon_driver_capable,omitempty"`
	PhotonWorkerCapable bool     `json:"photon_worker_capable,omitempty"`
	LocalDisks          int      `json:"local_disks,omitempty"`
	LocalDiskSizeGB     int      `json:"local_disk_size_gb,omitempty"`
	Status              []string `json:"status,omitempty"`
}

// usable is what the service lets new compute use: listed, not deprecated,
// not hidden, no availability status.
func (n NodeType) usable() bool {
	return !n.IsDeprecated && !n.IsHidden && len(n.Status) == 0
}

// SparkVersion is one runtime of clusters/spark-versions: key and name.
type SparkVersion struct {
	Key  string `json:"key"`
	Name string `json:"name"`
}

// InstanceProfile is a registered instance profile (instance-profiles/list).
type InstanceProfile struct {
	InstanceProfileARN    string `json:"instance_profile_arn"`
	IAMRoleARN            string `json:"iam_role_arn,omitempty"`
	IsMetaInstanceProfile bool   `json:"is_meta_instance_profile,omitempty"`
}

// User is a workspace user to seed; the SCIM id is assigned by the server.
// Roles are instance-profile ARNs (SCIM roles[].value).
type User struct {
	UserName     string   `json:"userName"`
	DisplayName  string   `json:"displayName,omitempty"`
	Entitlements []string `json:"entitlements,omitempty"`
	Roles        []string `json:"roles,omitempty"`
}

// Group is a workspace group to seed. Members name users by userName and
// service principals by applicationId. Local marks a workspace-local group
// (meta.resourceType "WorkspaceGroup"); the default is an account group.
type Group struct {
	DisplayName  string   `json:"displayName"`
	Members      []string `json:"members,omitempty"`
	Entitlements []string `json:"entitlements,omitempty"`
	Local        bool     `json:"local,omitempty"`
}

// ServicePrincipal is a workspace service principal to seed.
type ServicePrincipal struct {
	ApplicationID string   `json:"applicationId"`
	DisplayName   string   `json:"displayName,omitempty"`
	Entitlements  []string `json:"entitlements,omitempty"`
}

// clone is a deep copy of c, so a server never shares slices with its caller.
func (c *Catalog) clone() *Catalog {
	out := *c
	out.Zones = slices.Clone(c.Zones)
	out.NodeTypes = slices.Clone(c.NodeTypes)
	for i := range out.NodeTypes {
		out.NodeTypes[i].Status = slices.Clone(out.NodeTypes[i].Status)
	}
	out.SparkVersions = slices.Clone(c.SparkVersions)
	out.InstanceProfiles = slices.Clone(c.InstanceProfiles)
	out.Users = slices.Clone(c.Users)
	out.Groups = slices.Clone(c.Groups)
	out.ServicePrincipals = slices.Clone(c.ServicePrincipals)
	return &out
}
