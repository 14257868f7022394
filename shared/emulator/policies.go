package emulator

import (
	"cmp"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"unicode/utf8"
)

// Cluster policies API 2.0 (reference §2.5). A policy is stored as its settable
// fields as sent; definition is kept as the exact string the client sent. A
// policy built on a policy family reads back with the family's definition merged
// with its overrides, as the service computes it.
//
// Every workspace starts with the Databricks-managed default policies (is_default,
// no creator) whose ids are drawn from the server's seeded rng, so two workspaces
// hold them under different ids, as real ones do.
//
// Choices where the reference is silent (documented guesses):
//   - A duplicate name is 400 INVALID_PARAMETER_VALUE "Policy with name <name>
//     already exists".
//   - A missing policy is 404 RESOURCE_DOES_NOT_EXIST "Can't find a cluster policy
//     with id: <id>.".
//   - A default policy cannot be deleted (400 INVALID_PARAMETER_VALUE). Following
//     the SDK's model doc ("Default policies cannot be deleted, and their policy
//     families cannot be changed") it can be edited, but only with its name and
//     policy_family_id unchanged (overrides, description, limits, libraries).
//   - A policy sent without definition or family reads back with definition "{}".
//   - The list defaults to creation time ascending, ties broken by name then id.

// policyRec is one cluster policy.
type policyRec struct {
	id        string
	doc       compDoc // settable fields as sent
	created   int64
	creator   string
	isDefault bool
}

// policySettableKeys are the fields create sets and edit replaces.
var policySettableKeys = []string{
	"name", "definition", "description", "max_clusters_per_user", "libraries",
	"policy_family_id", "policy_family_definition_overrides",
}

// policyFamily is a Databricks-managed policy family and its default policy.
type policyFamily struct {
	id, policyName, description, definition string
}

// policyFamilies, in the order the default policies are created.
var policyFamilies = []policyFamily{
	{"personal-vm", "Personal Compute",
		"Use with small-to-medium data or libraries like pandas and scikit-learn. Spark runs in local mode.",
		`{"cluster_type":{"type":"fixed","value":"all-purpose"},"data_security_mode":{"type":"allowlist","values":["SINGLE_USER","LEGACY_SINGLE_USER","LEGACY_SINGLE_USER_STANDARD"],"defaultValue":"SINGLE_USER","hidden":true},"node_type_id":{"type":"allowlist","values":["m5d.large","m5d.xlarge","i3.xlarge","r5d.large"],"defaultValue":"m5d.large"},"num_workers":{"type":"fixed","value":0,"hidden":true},"spark_conf.spark.databricks.cluster.profile":{"type":"fixed","value":"singleNode","hidden":true},"spark_version":{"type":"unlimited","defaultValue":"auto:latest-ml"},"autotermination_minutes":{"type":"unlimited","defaultValue":4320,"isOptional":true},"instance_pool_id":{"type":"forbidden","hidden":true},"driver_instance_pool_id":{"type":"forbidden","hidden":true}}`},
	{"job-cluster", "Job Compute",
		"Use with jobs. Clusters are created for a job run and terminated when it ends.",
		`{"cluster_type":{"type":"fixed","value":"job"},"spark_version":{"type":"unlimited","defaultValue":"auto:latest-lts"},"node_type_id":{"type":"unlimited","defaultValue":"i3.xlarge","isOptional":true},"num_workers":{"type":"unlimited","defaultValue":4,"isOptional":true},"aws_attributes.availability":{"type":"unlimited","defaultValue":"SPOT_WITH_FALLBACK","hidden":true},"aws_attributes.first_on_demand":{"type":"unlimited","defaultValue":1,"hidden":true}}`},
	{"shared-compute", "Shared Compute",
		"Use for interactive work shared by several users, with Unity Catalog user isolation.",
		`{"cluster_type":{"type":"fixed","value":"all-purpose"},"data_security_mode":{"type":"fixed","value":"USER_ISOLATION","hidden":true},"spark_version":{"type":"unlimited","defaultValue":"auto:latest-lts"},"autoscale.min_workers":{"type":"unlimited","defaultValue":2},"autoscale.max_workers":{"type":"unlimited","defaultValue":8},"autotermination_minutes":{"type":"unlimited","defaultValue":120,"isOptional":true}}`},
	{"power-user", "Power User Compute",
		"Use for larger single-user workloads such as ML training, with autoscaling.",
		`{"cluster_type":{"type":"fixed","value":"all-purpose"},"data_security_mode":{"type":"allowlist","values":["SINGLE_USER","USER_ISOLATION"],"defaultValue":"SINGLE_USER"},"spark_version":{"type":"unlimited","defaultValue":"auto:latest-ml"},"autoscale.min_workers":{"type":"unlimited","defaultValue":2},"autoscale.max_workers":{"type":"unlimited","defaultValue":10},"autotermination_minutes":{"type":"unlimited","defaultValue":120,"isOptional":true}}`},
	{"shared-data-science", "Legacy Shared Compute",
		"Shared clusters without Unity Catalog isolation, for legacy workloads.",
		`{"cluster_type":{"type":"fixed","value":"all-purpose"},"data_security_mode":{"type":"fixed","value":"NONE","hidden":true},"spark_conf.spark.databricks.cluster.profile":{"type":"fixed","value":"serverless","hidden":true},"spark_conf.spark.databricks.repl.allowedLanguages":{"type":"fixed","value":"python,sql","hidden":true},"spark_version":{"type":"unlimited","defaultValue":"auto:latest-lts"},"autotermination_minutes":{"type":"unlimited","defaultValue":120,"isOptional":true}}`},
}

func findPolicyFamily(id string) *policyFamily {
	for i := range policyFamilies {
		if policyFamilies[i].id == id {
			return &policyFamilies[i]
		}
	}
	return nil
}

// defaultPolicies are the default policies of a new workspace, one per family.
// It runs inside New, before the server is shared, so it needs no lock.
func (s *Server) defaultPolicies() []*policyRec {
	out := make([]*policyRec, 0, len(policyFamilies))
	for _, f := range policyFamilies {
		out = append(out, &policyRec{
			id: s.newPolicyID(), created: s.now(), isDefault: true,
			doc: compDoc{"name": f.policyName, "description": f.description, "policy_family_id": f.id},
		})
	}
	return out
}

func (s *Server) policyRoutes() {
	s.route(http.MethodGet, "/api/2.0/policies/clusters/list", s.policiesList)
	s.route(http.MethodGet, "/api/2.0/policies/clusters/get", s.policiesGet)
	s.route(http.MethodPost, "/api/2.0/policies/clusters/create", s.policiesCreate)
	s.route(http.MethodPost, "/api/2.0/policies/clusters/edit", s.policiesEdit)
	s.route(http.MethodPost, "/api/2.0/policies/clusters/delete", s.policiesDelete)
}

// SeedPolicy creates a cluster policy from a policies/clusters/create request body.
// It validates like create; errors are *apiError values with the create messages.
func (s *Server) SeedPolicy(body []byte) (string, error) {
	doc, err := parseDoc(body)
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.createPolicy(doc)
}

// PolicyCount is the number of cluster policies, the default policies included.
func (s *Server) PolicyCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.comp.policies)
}

func (s *Server) policiesCreate(r *http.Request) (any, error) {
	doc, err := readDoc(r)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id, err := s.createPolicy(doc)
	if err != nil {
		return nil, err
	}
	return map[string]any{"policy_id": id}, nil
}

// createPolicy validates and stores a policy. Call with s.mu held.
func (s *Server) createPolicy(doc compDoc) (string, error) {
	doc = policySpecOf(doc)
	if err := s.validatePolicy(doc, ""); err != nil {
		return "", err
	}
	p := &policyRec{id: s.newPolicyID(), doc: doc, created: s.now(), creator: s.opts.UserName}
	s.comp.policies[p.id] = p
	return p.id, nil
}

// policySpecOf keeps the settable fields of a create/edit body.
func policySpecOf(doc compDoc) compDoc {
	out := compDoc{}
	for _, k := range policySettableKeys {
		if v, ok := doc[k]; ok {
			out[k] = cloneValue(v)
		}
	}
	return out
}

func (s *Server) policiesGet(r *http.Request) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.lookupPolicy(r.URL.Query().Get("policy_id"))
	if err != nil {
		return nil, err
	}
	return p.view(), nil
}

// policiesList answers every policy in one response (no paging), ordered by
// sort_column (POLICY_CREATION_TIME default, or POLICY_NAME) and sort_order.
func (s *Server) policiesList(r *http.Request) (any, error) {
	order, err := policyListOrder(r)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	policies := make([]*policyRec, 0, len(s.comp.policies))
	for _, p := range s.comp.policies {
		policies = append(policies, p)
	}
	slices.SortFunc(policies, order)
	views := make([]compDoc, 0, len(policies))
	for _, p := range policies {
		views = append(views, p.view())
	}
	return map[string]any{"policies": views}, nil
}

// policyListOrder reads sort_column and sort_order into a comparison.
func policyListOrder(r *http.Request) (func(a, b *policyRec) int, error) {
	q := r.URL.Query()
	byName := false
	switch c := q.Get("sort_column"); c {
	case "", "POLICY_CREATION_TIME":
	case "POLICY_NAME":
		byName = true
	default:
		return nil, invalidParam("Invalid sort_column: %s", c)
	}
	sign := 1
	switch o := q.Get("sort_order"); o {
	case "", "ASC":
	case "DESC":
		sign = -1
	default:
		return nil, invalidParam("Invalid sort_order: %s", o)
	}
	return func(a, b *policyRec) int {
		byTime := cmp.Compare(a.created, b.created)
		if byName {
			byTime = 0 // name, then id, decide alone
		}
		return sign * cmp.Or(byTime, cmp.Compare(a.name(), b.name()), cmp.Compare(a.id, b.id))
	}, nil
}

func (s *Server) policiesEdit(r *http.Request) (any, error) {
	return withLocked(s, r, s.policyIn, func(doc compDoc, p *policyRec) (any, error) {
		return nil, s.editPolicy(p, policySpecOf(doc))
	})
}

// editPolicy replaces every settable field of p (full replace). A default policy
// keeps its name and family.
func (s *Server) editPolicy(p *policyRec, next compDoc) error {
	if p.isDefault {
		if err := checkDefaultPolicyEdit(p, next); err != nil {
			return err
		}
	}
	if err := s.validatePolicy(next, p.id); err != nil {
		return err
	}
	p.doc = next
	return nil
}

func checkDefaultPolicyEdit(p *policyRec, next compDoc) error {
	name, _ := next.str("name")
	family, _ := next.str("policy_family_id")
	if name != p.name() || family != p.family() {
		return invalidParam("Default policy %s (%s) cannot be renamed or moved to another policy family", p.id, p.name())
	}
	return nil
}

func (s *Server) policiesDelete(r *http.Request) (any, error) {
	return withLocked(s, r, s.policyIn, func(_ compDoc, p *policyRec) (any, error) {
		if p.isDefault {
			return nil, invalidParam("Default policy %s (%s) cannot be deleted", p.id, p.name())
		}
		// Clusters governed by the policy keep their policy_id, as on a workspace.
		delete(s.comp.policies, p.id)
		return nil, nil
	})
}

// policyIn finds the policy a write body names by policy_id.
func (s *Server) policyIn(doc compDoc) (*policyRec, error) {
	id, err := doc.str("policy_id")
	if err != nil {
		return nil, err
	}
	return s.lookupPolicy(id)
}

func (s *Server) lookupPolicy(id string) (*policyRec, error) {
	if id == "" {
		return nil, invalidParam("Missing required field: policy_id")
	}
	p := s.comp.policies[id]
	if p == nil {
		return nil, notFound("Can't find a cluster policy with id: %s.", id)
	}
	return p, nil
}

// validatePolicy checks a policy document; self is the policy being edited (""
// on create), which may keep its own name.
func (s *Server) validatePolicy(doc compDoc, self string) error {
	checks := []func(compDoc) error{
		s.policyNameCheck(self), checkPolicyDefinition, checkPolicyFamily, checkPolicyLimits,
	}
	for _, check := range checks {
		if err := check(doc); err != nil {
			return err
		}
	}
	return nil
}

// policyNameCheck: name is required, 1-100 characters, unique in the workspace.
func (s *Server) policyNameCheck(self string) func(compDoc) error {
	return func(doc compDoc) error {
		name, err := doc.str("name")
		switch n := utf8.RuneCountInString(name); {
		case err != nil:
			return err
		case n == 0:
			return invalidParam("Missing required field: name")
		case n > 100:
			return invalidParam("Policy name must be at most 100 characters, got %d", n)
		}
		for _, p := range s.comp.policies {
			if p.id != self && p.name() == name {
				return invalidParam("Policy with name %s already exists", name)
			}
		}
		return nil
	}
}

// checkPolicyDefinition: definition is a string holding a JSON object.
func checkPolicyDefinition(doc compDoc) error {
	def, err := doc.str("definition")
	if err != nil || def == "" {
		return err
	}
	if _, err := parsePolicyJSON(def); err != nil {
		return invalidParam("Invalid policy definition: %v", err)
	}
	return nil
}

// checkPolicyFamily: policy_family_id names a known family and excludes
// definition; overrides are a JSON object and need a family.
func checkPolicyFamily(doc compDoc) error {
	family, err := doc.str("policy_family_id")
	if err != nil {
		return err
	}
	overrides, err := doc.str("policy_family_definition_overrides")
	switch {
	case err != nil:
		return err
	case family == "" && overrides != "":
		return invalidParam("policy_family_definition_overrides can only be used with policy_family_id")
	case family == "":
		return nil
	case policyHasDefinition(doc):
		return invalidParam("policy_family_id and definition cannot be used together")
	case findPolicyFamily(family) == nil:
		return invalidParam("Policy family %s does not exist", family)
	}
	if overrides == "" {
		return nil
	}
	if _, err := parsePolicyJSON(overrides); err != nil {
		return invalidParam("Invalid policy_family_definition_overrides: %v", err)
	}
	return nil
}

// checkPolicyLimits: description is text, max_clusters_per_user is not negative,
// libraries is a list.
func checkPolicyLimits(doc compDoc) error {
	if _, err := doc.str("description"); err != nil {
		return err
	}
	n, _, err := doc.num("max_clusters_per_user")
	if err != nil {
		return err
	}
	if n < 0 {
		return invalidParam("max_clusters_per_user must not be negative, got %d", n)
	}
	_, err = doc.list("libraries")
	return err
}

func policyHasDefinition(doc compDoc) bool {
	def, _ := doc.str("definition")
	return def != ""
}

// parsePolicyJSON decodes a policy document (a JSON object) keeping numbers exact.
func parsePolicyJSON(s string) (compDoc, error) {
	var doc compDoc
	if err := decodeJSON([]byte(s), &doc); err != nil {
		return nil, err
	}
	if doc == nil {
		return nil, errNotPolicyObject
	}
	return doc, nil
}

var errNotPolicyObject = errors.New("policy document must be one JSON object")

func (p *policyRec) name() string {
	n, _ := p.doc.str("name")
	return n
}

func (p *policyRec) family() string {
	f, _ := p.doc.str("policy_family_id")
	return f
}

// view is the Policy wire shape of p.
func (p *policyRec) view() compDoc {
	out := p.doc.clone()
	out.setDefault("definition", "{}")
	if f := findPolicyFamily(p.family()); f != nil {
		out["definition"] = familyDefinition(f, p.doc)
	}
	out["policy_id"], out["created_at_timestamp"], out["is_default"] = p.id, p.created, p.isDefault
	if p.creator != "" {
		out["creator_user_name"] = p.creator
	}
	return out
}

// familyDefinition is the family's definition with the policy's overrides laid
// over it, rule by rule, re-serialised (validated on write, so it parses).
func familyDefinition(f *policyFamily, doc compDoc) string {
	def, _ := parsePolicyJSON(f.definition)
	if raw, _ := doc.str("policy_family_definition_overrides"); raw != "" {
		overrides, _ := parsePolicyJSON(raw)
		for k, v := range overrides {
			def[k] = v
		}
	}
	data, _ := json.Marshal(def) // json.Number and plain values only: cannot fail
	return string(data)
}
