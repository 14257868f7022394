package catalog

// checkType is one catalog of DR a value is checked against.
type checkType int

const (
	nodeTypeCheck checkType = iota
	runtimeCheck
	zoneCheck
	profileCheck
	secretCheck
	principalCheck
)

// checkRule is where values checked against one catalog sit in a document,
// matched by key path wherever they occur: a cluster spec at the top, every
// new_cluster of a job (tasks, for_each tasks, job_clusters), a pipeline's
// clusters[], a pool.
type checkRule struct {
	check  checkType
	fields []pattern
}

var checkRules = []checkRule{
	{nodeTypeCheck, []pattern{
		{"node_type_id"}, {"driver_node_type_id"},
		{"node_type_flexibility", "alternate_node_type_ids[]"}, // a pool's fallbacks
	}},
	{runtimeCheck, []pattern{{"spark_version"}, {"preloaded_spark_versions[]"}}},
	{zoneCheck, []pattern{{"aws_attributes", "zone_id"}}},
	{profileCheck, []pattern{{"aws_attributes", "instance_profile_arn"}}},
	// {{secrets/scope/key}} is resolved when compute starts, from a cluster
	// spec's two maps and a pipeline's configuration. Only values holding
	// that syntax are checked, so the broad patterns cost nothing.
	{secretCheck, []pattern{{"spark_conf", "*"}, {"spark_env_vars", "*"}, {"configuration", "*"}}},
	{principalCheck, principalFields()},
}

// checkOf reports which catalog the leaf at path is checked against, if any.
func checkOf(path []string) (checkType, bool) {
	for _, r := range checkRules {
		if anyMatches(r.fields, path) {
			return r.check, true
		}
	}
	return 0, false
}

// principalFields are every pattern of principalRules.
func principalFields() []pattern {
	var out []pattern
	for _, r := range principalRules {
		out = append(out, r.field)
	}
	return out
}

// principalRules name the fields that hold a principal and of which sort.
// run_as is a job's (and a pipeline's) identity; single_user_name a
// dedicated cluster's; subscriptions and subscribers are the users a SQL
// or dashboard task mails; access_control_list entries are grants (a job
// create may carry them inline); owner_user_name owns a SQL query or alert.
var principalRules = []struct {
	field pattern
	kind  principalKind
}{
	{pattern{"run_as", "user_name"}, userPrincipal},
	{pattern{"run_as", "service_principal_name"}, spPrincipal},
	{pattern{"run_as", "group_name"}, groupPrincipal},
	{pattern{"single_user_name"}, guessPrincipal},
	{pattern{"subscriptions[]", "user_name"}, userPrincipal},
	{pattern{"subscribers[]", "user_name"}, userPrincipal},
	{pattern{"access_control_list[]", "user_name"}, userPrincipal},
	{pattern{"access_control_list[]", "service_principal_name"}, spPrincipal},
	{pattern{"access_control_list[]", "group_name"}, groupPrincipal},
	{pattern{"owner_user_name"}, userPrincipal},
}

// principalAt is the principal a leaf at path with value v names.
func principalAt(path []string, v string) (principal, bool) {
	for _, r := range principalRules {
		if r.field.matches(path) {
			return newPrincipal(r.kind, v), true
		}
	}
	return principal{}, false
}
