package emulator

// Job settings name objects and principals of the workspace; jobs/create,
// reset and update refuse names of ones that do not exist here. The
// reference does not capture these refusals: every one is [RECALL] 400
// INVALID_PARAMETER_VALUE, with the texts the service uses elsewhere for the
// same missing object (clusters/get, clusters/create, pipelines/get,
// permissions). Job clusters' node types, runtimes, zones and instance
// profiles are NOT checked: the service validates them only when a run
// starts (reference part 2 §9).

// checkJobRefs checks run_as and every task's and job cluster's references.
// Call with s.mu held.
func (s *Server) checkJobRefs(settings map[string]any) error {
	if err := s.checkRunAs(asObject(settings["run_as"])); err != nil {
		return err
	}
	if err := s.checkWebhooks(settings["webhook_notifications"]); err != nil {
		return err
	}
	for _, jc := range objectList(settings["job_clusters"]) {
		if err := s.checkJobClusterRefs(asObject(jc["new_cluster"])); err != nil {
			return err
		}
	}
	for _, t := range objectList(settings["tasks"]) {
		if err := s.checkTaskRefs(t); err != nil {
			return err
		}
	}
	return nil
}

// checkRunAs: the user, service principal (by applicationId) or group must
// exist in this workspace; the text is the permissions API's (part 2 §1.5).
func (s *Server) checkRunAs(runAs map[string]any) error {
	for _, f := range []struct{ key, kind, label string }{
		{"user_name", "user", "UserName"},
		{"service_principal_name", "sp", "ServicePrincipalName"},
		{"group_name", "group", "GroupName"},
	} {
		if name := strField(runAs, f.key); name != "" && !s.scim.hasPrincipal(f.kind, name) {
			return invalidParam("Principal: %s(%s) does not exist", f.label, name)
		}
	}
	return nil
}

// warehouseTasks are the task types that carry a warehouse_id (part 2 §5).
var warehouseTasks = []string{"sql_task", "notebook_task", "dbt_task", "dashboard_task", "power_bi_task"}

func (s *Server) checkTaskRefs(t map[string]any) error {
	if id := strField(t, "existing_cluster_id"); id != "" && s.comp.clusters[id] == nil {
		return invalidParam("Cluster %s does not exist", id)
	}
	if err := s.checkJobClusterRefs(asObject(t["new_cluster"])); err != nil {
		return err
	}
	for _, typ := range warehouseTasks {
		if id := strField(t[typ], "warehouse_id"); id != "" && s.wh.byID[id] == nil {
			return invalidParam("SQL warehouse %s does not exist.", id)
		}
	}
	if id := strField(t["pipeline_task"], "pipeline_id"); id != "" && s.pipe.byID[id] == nil {
		return invalidParam("The specified pipeline %s was not found.", id)
	}
	if err := s.checkWebhooks(t["webhook_notifications"]); err != nil {
		return err
	}
	if err := s.checkSubscriptions(asObject(t["sql_task"])); err != nil {
		return err
	}
	if inner := asObject(asObject(t["for_each_task"])["task"]); inner != nil {
		return s.checkTaskRefs(inner)
	}
	return nil
}

// checkJobClusterRefs: a job cluster's pools and policy must exist (the
// clusters/create texts).
func (s *Server) checkJobClusterRefs(spec map[string]any) error {
	for _, f := range []string{"instance_pool_id", "driver_instance_pool_id"} {
		if id := strField(spec, f); id != "" && s.comp.pools[id] == nil {
			return invalidParam("Invalid %s: can't find an instance pool with id: %s.", f, id)
		}
	}
	if id := strField(spec, "policy_id"); id != "" && s.comp.policies[id] == nil {
		return invalidParam("Invalid policy_id: can't find a cluster policy with id: %s.", id)
	}
	return nil
}

// webhookEvents are the webhook_notifications lists of destination ids.
var webhookEvents = []string{"on_start", "on_success", "on_failure",
	"on_duration_warning_threshold_exceeded", "on_streaming_backlog_exceeded"}

func (s *Server) checkWebhooks(v any) error {
	hooks := asObject(v)
	for _, ev := range webhookEvents {
		for _, h := range objectList(hooks[ev]) {
			if err := s.checkDestination(strField(h, "id")); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkSubscriptions: sql_task alert/dashboard subscriptions name
// destinations too.
func (s *Server) checkSubscriptions(sqlTask map[string]any) error {
	for _, k := range []string{"alert", "dashboard"} {
		for _, sub := range objectList(asObject(sqlTask[k])["subscriptions"]) {
			if err := s.checkDestination(strField(sub, "destination_id")); err != nil {
				return err
			}
		}
	}
	return nil
}

func (s *Server) checkDestination(id string) error {
	if id != "" && s.dest.byID[id] == nil {
		return invalidParam("Notification destination %s does not exist.", id)
	}
	return nil
}
