package emulator

import (
	"cmp"
)

// validateClusterSpec checks a create/edit spec as the service does and returns
// what the referenced pools contribute to the cluster (node types, elastic disk).
// Errors are 400 INVALID_PARAMETER_VALUE naming the field, or MALFORMED_REQUEST
// for a value of the wrong JSON type. Call with s.mu held.
func (s *Server) validateClusterSpec(spec compDoc) (compDoc, error) {
	checks := []func(compDoc) error{
		checkClusterStrings, checkClusterSize, checkClusterAutotermination, checkClusterTags,
		s.checkClusterPolicy,
	}
	for _, check := range checks {
		if err := check(spec); err != nil {
			return nil, err
		}
	}
	return s.clusterPoolFields(spec)
}

// checkClusterStrings requires spark_version and string types where views read them.
func checkClusterStrings(spec compDoc) error {
	for _, k := range []string{"cluster_name", "node_type_id", "driver_node_type_id",
		"data_security_mode", "single_user_name", "instance_pool_id",
		"driver_instance_pool_id", "policy_id"} {
		if _, err := spec.str(k); err != nil {
			return err
		}
	}
	v, err := spec.str("spark_version")
	if err == nil && v == "" {
		err = invalidParam("Missing required field: spark_version")
	}
	return err
}

// checkClusterSize: a fixed size (num_workers, absent meaning 0 as the SDK never
// sends a zero) or autoscale bounds, not both.
func checkClusterSize(spec compDoc) error {
	n, hasN, err := spec.num("num_workers")
	if err != nil {
		return err
	}
	auto, err := spec.obj("autoscale")
	switch {
	case err != nil:
		return err
	case hasN && auto != nil:
		return invalidParam("Only one of num_workers or autoscale may be specified")
	case n < 0:
		return invalidParam("num_workers must be non-negative, got %d", n)
	case auto != nil:
		return checkAutoscale(auto)
	}
	return nil
}

func checkAutoscale(auto compDoc) error {
	lo, _, err := auto.num("min_workers")
	if err != nil {
		return err
	}
	hi, _, err := auto.num("max_workers")
	if err != nil {
		return err
	}
	if lo < 0 || hi < 1 || hi < lo {
		return invalidParam("Invalid autoscale: need 0 <= min_workers <= max_workers and max_workers >= 1, got min_workers=%d max_workers=%d", lo, hi)
	}
	return nil
}

// checkClusterAutotermination: 0 means never; otherwise 10..10000 minutes.
func checkClusterAutotermination(spec compDoc) error {
	n, _, err := spec.num("autotermination_minutes")
	if err == nil && n != 0 && (n < 10 || n > 10000) {
		err = invalidParam("Invalid autotermination_minutes %d: it must be 0 (never) or between 10 and 10000", n)
	}
	return err
}

// checkClusterTags: at most 45 custom tags, all string values.
func checkClusterTags(spec compDoc) error {
	tags, err := spec.obj("custom_tags")
	if err != nil {
		return err
	}
	if len(tags) > 45 {
		return invalidParam("custom_tags: at most 45 custom tags are allowed, got %d", len(tags))
	}
	for _, k := range sortedCompKeys(tags) {
		if _, err := tags.str(k); err != nil {
			return err
		}
	}
	return nil
}

// checkClusterPolicy: a referenced policy must exist.
func (s *Server) checkClusterPolicy(spec compDoc) error {
	id, _ := spec.str("policy_id")
	if id != "" && s.comp.policies[id] == nil {
		return invalidParam("Invalid policy_id: can't find a cluster policy with id: %s.", id)
	}
	return nil
}

// clusterPoolFields checks the pool references and returns what the pools set:
// node types come from the pool, so sending them as well is refused.
func (s *Server) clusterPoolFields(spec compDoc) (compDoc, error) {
	poolID, _ := spec.str("instance_pool_id")
	driverPoolID, _ := spec.str("driver_instance_pool_id")
	if poolID == "" && driverPoolID == "" {
		return nil, nil
	}
	if err := checkNoPoolNodeTypes(spec, poolID != ""); err != nil {
		return nil, err
	}
	out := compDoc{}
	if poolID != "" {
		p, err := s.clusterPool("instance_pool_id", poolID)
		if err != nil {
			return nil, err
		}
		out["node_type_id"] = p.doc["node_type_id"]
		out["enable_elastic_disk"] = p.doc["enable_elastic_disk"] == true
	}
	driver, err := s.clusterPool("driver_instance_pool_id", cmp.Or(driverPoolID, poolID))
	if err != nil {
		return nil, err
	}
	out["driver_node_type_id"] = driver.doc["node_type_id"]
	return out, nil
}

func checkNoPoolNodeTypes(spec compDoc, workerPool bool) error {
	if workerPool && spec.has("node_type_id") {
		return invalidParam("The field 'node_type_id' cannot be supplied when an instance pool ID is provided.")
	}
	if spec.has("driver_node_type_id") {
		return invalidParam("The field 'driver_node_type_id' cannot be supplied when an instance pool ID is provided.")
	}
	return nil
}

func (s *Server) clusterPool(field, id string) (*poolRec, error) {
	p := s.comp.pools[id]
	if p == nil {
		return nil, invalidParam("Invalid %s: can't find an instance pool with id: %s.", field, id)
	}
	return p, nil
}
