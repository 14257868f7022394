package emulator

import "strings"

// Create/edit refusals from the workspace's catalog (reference part 2 §9,
// §8): clusters and pools may only use the node types, runtimes, zones and
// instance profiles this workspace offers. Every check is a map lookup; the
// "Supported node types" list is built only for a refusal.

// checkComputeCatalog checks the catalog fields a cluster spec sets. Node
// types coming from a pool are the pool's, checked when the pool was made.
func (s *Server) checkComputeCatalog(spec compDoc) error {
	for _, k := range []string{"node_type_id", "driver_node_type_id"} {
		if err := s.checkNodeType(spec, k); err != nil {
			return err
		}
	}
	if v, _ := spec.str("spark_version"); v != "" {
		if err := s.checkSparkVersion(v); err != nil {
			return err
		}
	}
	aws, err := spec.obj("aws_attributes")
	if err != nil || aws == nil {
		return err
	}
	return s.checkAWSAttributes(aws)
}

// checkPoolCatalog checks a pool's node type, preloaded runtimes and AWS
// attributes (a pool's zone may be omitted for the default zone, §9).
func (s *Server) checkPoolCatalog(doc compDoc) error {
	if err := s.checkNodeType(doc, "node_type_id"); err != nil {
		return err
	}
	versions, _ := doc.list("preloaded_spark_versions")
	for _, v := range versions {
		if key, _ := v.(string); key != "" {
			if err := s.checkSparkVersion(key); err != nil {
				return err
			}
		}
	}
	aws, err := doc.obj("aws_attributes")
	if err != nil || aws == nil {
		return err
	}
	return s.checkAWSAttributes(aws)
}

// checkNodeType: a node type not listed, or listed but not usable here
// (deprecated, hidden, NotAvailableInRegion, ...) is refused with the
// service's message (§9, TF#220; code [RECALL] 400 INVALID_PARAMETER_VALUE).
func (s *Server) checkNodeType(spec compDoc, field string) error {
	id, _ := spec.str(field)
	if id == "" {
		return nil
	}
	if n, ok := s.cat.nodeTypes[id]; ok && n.usable() {
		return nil
	}
	return invalidParam("Node type %s is not supported. Supported node types: %s", id, s.cat.usableNodeTypes())
}

// checkSparkVersion: unknown or retired runtimes (§9).
func (s *Server) checkSparkVersion(key string) error {
	if s.cat.versions[key] {
		return nil
	}
	return invalidParam("Invalid spark version %s.", key)
}

// checkAWSAttributes: zone_id must be "auto" or a zone of this workspace's
// region, and instance_profile_arn registered here. The reference has
// neither text ([RECALL] 400 INVALID_PARAMETER_VALUE naming the value).
func (s *Server) checkAWSAttributes(aws compDoc) error {
	if zone, _ := aws.str("zone_id"); zone != "" && zone != "auto" && !s.cat.zones[zone] {
		return invalidParam("Invalid zone_id %s: the zone is not in region %s. Supported zones: %s",
			zone, s.cat.cat.Region, strings.Join(s.cat.cat.Zones, ", "))
	}
	if arn, _ := aws.str("instance_profile_arn"); arn != "" {
		if _, ok := s.cat.profiles[arn]; !ok {
			return invalidParam("Instance profile %s is not registered in this workspace. Register it with instance-profiles/add first.", arn)
		}
	}
	return nil
}

// userCluster is true for the sources whose clusters go through
// clusters/create. Clusters the service launches itself (JOB, PIPELINE,
// SQL, MODELS, ...) are only ever seeded here, as records of what exists:
// a pipeline's "dlt:" runtime, for one, is in no catalog.
func userCluster(source string) bool { return source == "UI" || source == "API" }

// checkClusterRunnable is what clusters/create and edit check beyond the
// spec's shape: the workspace's catalog, then the cluster's policy.
func (s *Server) checkClusterRunnable(spec compDoc) error {
	if err := s.checkComputeCatalog(spec); err != nil {
		return err
	}
	return s.checkPolicyCompliance(spec)
}
