package emulator

// clusterView is the ClusterDetails wire shape of c: the spec, the server's
// defaults and the read-only fields. It shares nothing with the stored state.
// Call with s.mu held.
func (s *Server) clusterView(c *clusterRec) compDoc {
	out := c.spec.clone()
	delete(out, "apply_policy_default_values") // the service shows it only under spec
	fillClusterViewDefaults(out, c)
	c.addReadOnly(out)
	out["spec"] = c.spec.clone()
	return out
}

// awsClusterDefaults are what the service fills into aws_attributes.
var awsClusterDefaults = compDoc{
	"availability": "SPOT_WITH_FALLBACK", "first_on_demand": 1,
	"spot_bid_price_percent": 100, "ebs_volume_count": 0,
}

// fillClusterViewDefaults fills what the service adds on read. Zero defaults are kept:
// num_workers 0 of a single-node cluster must be on the wire.
func fillClusterViewDefaults(out compDoc, c *clusterRec) {
	for k, v := range c.fromPool {
		out[k] = v
	}
	if node, ok := out["node_type_id"]; ok {
		out.setDefault("driver_node_type_id", node)
	}
	if !out.has("autoscale") {
		out.setDefault("num_workers", 0)
	}
	out.setDefault("enable_elastic_disk", false)
	out.setDefault("enable_local_disk_encryption", false)
	if !out.has("instance_pool_id") {
		aws, _ := out.obj("aws_attributes")
		aws = withCompDefaults(aws, awsClusterDefaults)
		aws.setDefault("zone_id", c.zone)
		out["aws_attributes"] = aws
	}
	if mode, _ := out.str("data_security_mode"); mode == "SINGLE_USER" {
		out.setDefault("single_user_name", c.creator)
	}
}

// withCompDefaults returns d (nil is empty) with every key of defaults it lacks.
func withCompDefaults(d, defaults compDoc) compDoc {
	if d == nil {
		d = compDoc{}
	}
	for k, v := range defaults {
		d.setDefault(k, v)
	}
	return d
}

// addReadOnly sets the server-owned fields of ClusterDetails.
func (c *clusterRec) addReadOnly(out compDoc) {
	name, _ := c.spec.str("cluster_name")
	out["cluster_id"], out["cluster_source"], out["creator_user_name"] = c.id, c.source, c.creator
	out["state"], out["state_message"] = c.state, c.stateMessage
	out["start_time"], out["spark_context_id"] = c.startTime, c.sparkContextID
	out["default_tags"] = map[string]any{
		"Vendor": "Databricks", "Creator": c.creator, "ClusterName": name, "ClusterId": c.id,
	}
	if c.lastRestartedTime > 0 {
		out["last_restarted_time"] = c.lastRestartedTime
	}
	if c.state == clusterTerminated {
		out["terminated_time"] = c.terminatedTime
		if c.terminationReason != nil {
			out["termination_reason"] = c.terminationReason.clone()
		}
	}
	if c.pinned {
		out["pinned_by_user_name"] = computeUserID
	}
}
