package emulator

import (
	"slices"
)

// PrimaryRegion is the region of DefaultCatalog.
const PrimaryRegion = "us-west-2"

// DefaultCatalog is the catalog of a workspace in us-west-2 that holds
// everything the sample estate, the synthesized estates and drsync's tests
// use: node types, runtimes, instance profiles, and the users
// alice@example.com, bob@example.com and carol@example.com (the token's user
// is added by the server). Each call returns a fresh value.
func DefaultCatalog() *Catalog {
	return &Catalog{
		Region:            PrimaryRegion,
		Zones:             []string{"us-west-2a", "us-west-2b", "us-west-2c", "us-west-2d"},
		DefaultZone:       "us-west-2a",
		NodeTypes:         defaultNodeTypes(),
		SparkVersions:     defaultSparkVersions(),
		InstanceProfiles:  defaultInstanceProfiles(),
		Users:             defaultUsers(),
		Groups:            defaultGroups(),
		ServicePrincipals: defaultServicePrincipals(),
	}
}

// DR-flavoured differences of RegionCatalog: what a standby workspace in
// another region deliberately lacks, so that drsync's checks of "can the DR
// side run this" have something to find.
const (
	DRMissingNodeType       = "r5.2xlarge"                                                      // used by the sample pool memory-r5-2xlarge
	DRUnavailableNodeType   = "m5d.2xlarge"                                                     // listed with NotAvailableInRegion
	DRMissingSparkVersion   = "15.4.x-cpu-ml-scala2.12"                                         // used by the sample job churn-model-weekly
	DRMissingProfile        = "arn:aws:iam::123456789012:instance-profile/databricks-analytics" // used by the sample cluster shared-analytics
	DRMissingUser           = "carol@example.com"
	drUnavailableNodeStatus = "NotAvailableInRegion"
)

// RegionCatalog is the catalog of a workspace in region. For PrimaryRegion it
// is DefaultCatalog(); for any other region it is the DR flavour: that
// region's zones (a-d), DRMissingNodeType and DRMissingSparkVersion absent,
// DRUnavailableNodeType listed but NotAvailableInRegion, DRMissingProfile not
// registered and DRMissingUser not a user (nor a group member).
func RegionCatalog(region string) *Catalog {
	c := DefaultCatalog()
	if region == PrimaryRegion || region == "" {
		return c
	}
	c.Region = region
	c.Zones = []string{region + "a", region + "b", region + "c", region + "d"}
	c.DefaultZone = c.Zones[0]
	c.NodeTypes = slices.DeleteFunc(c.NodeTypes, func(n NodeType) bool { return n.NodeTypeID == DRMissingNodeType })
	for i := range c.NodeTypes {
		if c.NodeTypes[i].NodeTypeID == DRUnavailableNodeType {
			c.NodeTypes[i].Status = []string{drUnavailableNodeStatus}
		}
	}
	c.SparkVersions = slices.DeleteFunc(c.SparkVersions, func(v SparkVersion) bool { return v.Key == DRMissingSparkVersion })
	c.InstanceProfiles = slices.DeleteFunc(c.InstanceProfiles, func(p InstanceProfile) bool { return p.InstanceProfileARN == DRMissingProfile })
	c.Users = slices.DeleteFunc(c.Users, func(u User) bool { return u.UserName == DRMissingUser })
	for i := range c.Groups {
		c.Groups[i].Members = slices.DeleteFunc(slices.Clone(c.Groups[i].Members), func(m string) bool { return m == DRMissingUser })
	}
	return c
}

func nodeType(id string, memGB int64, cores float64, category string, disks, diskGB int) NodeType {
	return NodeType{
		NodeTypeID: id, InstanceTypeID: id, MemoryMB: memGB * 1024, NumCores: cores,
		Category: category, Description: id, PhotonDriverCapable: true, PhotonWorkerCapable: true,
		LocalDisks: disks, LocalDiskSizeGB: diskGB,
	}
}

func defaultNodeTypes() []NodeType {
	gpu := nodeType("g4dn.xlarge", 16, 4, "GPU Accelerated", 1, 125)
	gpu.NumGPUs = 1
	graviton := nodeType("m6gd.large", 8, 2, "General Purpose", 1, 118)
	graviton.IsGraviton = true
	old := nodeType("m4.large", 8, 2, "General Purpose", 0, 0)
	old.IsDeprecated = true
	return []NodeType{
		nodeType("m5.large", 8, 2, "General Purpose", 0, 0),
		nodeType("m5d.large", 8, 2, "General Purpose", 1, 75),
		nodeType("m5d.xlarge", 16, 4, "General Purpose", 1, 150),
		nodeType("m5d.2xlarge", 32, 8, "General Purpose", 1, 300),
		graviton,
		nodeType("c5d.xlarge", 8, 4, "Compute Optimized", 1, 100),
		nodeType("r5.xlarge", 32, 4, "Memory Optimized", 0, 0),
		nodeType("r5.2xlarge", 64, 8, "Memory Optimized", 0, 0),
		nodeType("r5d.large", 16, 2, "Memory Optimized", 1, 75),
		nodeType("r5d.xlarge", 32, 4, "Memory Optimized", 1, 150),
		nodeType("i3.xlarge", 30, 4, "Storage Optimized", 1, 950),
		nodeType("i3.2xlarge", 61, 8, "Storage Optimized", 1, 1900),
		nodeType("i3.4xlarge", 122, 16, "Storage Optimized", 2, 1900),
		gpu,
		old,
	}
}

func defaultSparkVersions() []SparkVersion {
	return []SparkVersion{
		{"13.3.x-scala2.12", "13.3 LTS (includes Apache Spark 3.4.1, Scala 2.12)"},
		{"14.3.x-scala2.12", "14.3 LTS (includes Apache Spark 3.5.0, Scala 2.12)"},
		{"14.3.x-photon-scala2.12", "14.3 LTS Photon (includes Apache Spark 3.5.0, Scala 2.12)"},
		{"15.4.x-scala2.12", "15.4 LTS (includes Apache Spark 3.5.0, Scala 2.12)"},
		{"15.4.x-photon-scala2.12", "15.4 LTS Photon (includes Apache Spark 3.5.0, Scala 2.12)"},
		{"15.4.x-cpu-ml-scala2.12", "15.4 LTS ML (includes Apache Spark 3.5.0, Scala 2.12)"},
		{"15.4.x-gpu-ml-scala2.12", "15.4 LTS ML (includes Apache Spark 3.5.0, GPU, Scala 2.12)"},
		{"15.4.x-aarch64-scala2.12", "15.4 LTS aarch64 (includes Apache Spark 3.5.0, Scala 2.12)"},
		{"16.4.x-scala2.12", "16.4 LTS (includes Apache Spark 3.5.2, Scala 2.12)"},
		{"16.4.x-photon-scala2.12", "16.4 LTS Photon (includes Apache Spark 3.5.2, Scala 2.12)"},
		{"17.3.x-scala2.13", "17.3 LTS (includes Apache Spark 4.0.0, Scala 2.13)"},
	}
}

func defaultInstanceProfiles() []InstanceProfile {
	return []InstanceProfile{
		{InstanceProfileARN: "arn:aws:iam::123456789012:instance-profile/databricks-analytics"},
		{InstanceProfileARN: "arn:aws:iam::123456789012:instance-profile/analytics"},
		{InstanceProfileARN: "arn:aws:iam::123456789012:instance-profile/etl",
			IAMRoleARN: "arn:aws:iam::123456789012:role/databricks-etl"},
	}
}

func defaultUsers() []User {
	return []User{
		{UserName: "alice@example.com", DisplayName: "Alice Example", Entitlements: []string{"allow-cluster-create"}},
		{UserName: "bob@example.com", DisplayName: "Bob Example"},
		{UserName: "carol@example.com", DisplayName: "Carol Example",
			Roles: []string{"arn:aws:iam::123456789012:instance-profile/databricks-analytics"}},
	}
}

func defaultGroups() []Group {
	return []Group{
		{DisplayName: "data-eng", Members: []string{"alice@example.com", "bob@example.com", "6e5c6f0a-7a0e-4d52-9c1e-2f3b8a9d0c11"}},
		{DisplayName: "analytics", Members: []string{"bob@example.com", "carol@example.com"}},
		{DisplayName: "ml", Members: []string{"carol@example.com"}, Local: true},
	}
}

func defaultServicePrincipals() []ServicePrincipal {
	return []ServicePrincipal{
		{ApplicationID: "6e5c6f0a-7a0e-4d52-9c1e-2f3b8a9d0c11", DisplayName: "etl-sp"},
		{ApplicationID: "b1d4e7a2-3c5f-4e8a-9b0d-1f2a3c4e5d6f", DisplayName: "drsync-sp"},
	}
}
