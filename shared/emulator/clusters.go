package emulator

import (
	"bytes"
	"cmp"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// Clusters API 2.1 (reference §2.3). A cluster is stored as the user spec exactly
// as sent plus the server-owned fields; every read assembles the wire shape from
// them, adding the defaults the service fills in, so drift detection is exercised.
//
// State machine: transitions that take minutes on a real workspace happen when the
// next reader looks (get or list), as in Databricks' own CLI fake, so CreateAndWait
// returns on its first poll instead of sleeping through the SDK's ≥1 s backoff:
//
//	create → PENDING ─read→ RUNNING ─edit→ RESTARTING ─read→ RUNNING
//	delete → TERMINATING ─read→ TERMINATED ─start→ PENDING
//
// Choices where the reference is silent (documented guesses):
//   - A JOB cluster refuses edit and start with 400 INVALID_PARAMETER_VALUE
//     "Cannot edit cluster <id> created by JobLauncher" (the edit text is a real
//     service message, databricks-cli#458; start mirrors it).
//   - start on anything but TERMINATED answers {} and changes nothing (reference
//     §2.3; Databricks' CLI fake answers INVALID_STATE instead).
//   - Read-only fields sent in a create/edit body are ignored, not stored.
//   - Pool-backed clusters take node types and elastic disk from the pool and get
//     no aws_attributes defaults (those come from the pool on a real workspace).
//   - The list hides unpinned clusters terminated more than 30 days ago; get still
//     answers for them (the service keeps them gettable for about 60 days).
//   - pinned_by_user_name (a field the SDK model lacks) is the caller's user id.

// computeState holds clusters, instance pools and cluster policies.
type computeState struct {
	clusters map[string]*clusterRec
	pools    map[string]*poolRec
	policies map[string]*policyRec
}

// newComputeState also creates the default policies every workspace ships with;
// their ids come from the server's seeded rng, so they differ per workspace.
func newComputeState(s *Server) *computeState {
	c := &computeState{
		clusters: map[string]*clusterRec{},
		pools:    map[string]*poolRec{},
		policies: map[string]*policyRec{},
	}
	for _, p := range s.defaultPolicies() {
		c.policies[p.id] = p
	}
	return c
}

// computeUserID is the SCIM id of the token's user (identity.go answers it on
// SCIM Me); the service writes it where it records a user id rather than a name.
const computeUserID = "7723901234567890"

const (
	clusterPending     = "PENDING"
	clusterRunning     = "RUNNING"
	clusterRestarting  = "RESTARTING"
	clusterTerminating = "TERMINATING"
	clusterTerminated  = "TERMINATED"
)

// clusterStateRank orders states for the list's default sort (active first).
var clusterStateRank = map[string]int{
	"RUNNING": 0, "RESIZING": 1, "RESTARTING": 2, "PENDING": 3,
	"TERMINATING": 4, "ERROR": 5, "UNKNOWN": 6, "TERMINATED": 7,
}

var clusterSources = map[string]bool{
	"UI": true, "API": true, "JOB": true, "MODELS": true, "PIPELINE": true,
	"PIPELINE_MAINTENANCE": true, "SQL": true,
}

// clusterReadOnlyKeys are server-owned: ignored when a client sends them back.
var clusterReadOnlyKeys = []string{
	"cluster_id", "clone_from", "cluster_source", "creator_user_name", "state",
	"state_message", "start_time", "terminated_time", "last_restarted_time",
	"last_state_loss_time", "termination_reason", "default_tags", "driver",
	"executors", "spark_context_id", "jdbc_port", "cluster_memory_mb",
	"cluster_cores", "cluster_log_status", "spec", "pinned_by_user_name",
}

// clusterRec is one cluster: the user spec as sent plus server-owned state.
type clusterRec struct {
	id, source, creator string
	spec                compDoc // create/edit body minus read-only keys
	fromPool            compDoc // node types etc. taken from the pool(s) at create/edit
	state, stateMessage string
	startTime           int64
	terminatedTime      int64
	lastRestartedTime   int64
	sparkContextID      int64
	terminationReason   compDoc
	pinned              bool
}

func (s *Server) clusterRoutes() {
	s.route(http.MethodGet, "/api/2.1/clusters/list", s.clustersList)
	s.route(http.MethodGet, "/api/2.1/clusters/get", s.clustersGet)
	s.route(http.MethodPost, "/api/2.1/clusters/create", s.clustersCreate)
	s.route(http.MethodPost, "/api/2.1/clusters/edit", s.clustersEdit)
	s.route(http.MethodPost, "/api/2.1/clusters/start", s.clustersStart)
	s.route(http.MethodPost, "/api/2.1/clusters/delete", s.clustersDelete)
	s.route(http.MethodPost, "/api/2.1/clusters/permanent-delete", s.clustersPermanentDelete)
	s.route(http.MethodPost, "/api/2.1/clusters/pin", s.clustersPin(true))
	s.route(http.MethodPost, "/api/2.1/clusters/unpin", s.clustersPin(false))
}

// SeedCluster creates a cluster from a clusters/create request body. The body may
// also carry "cluster_source" (UI, API, JOB, PIPELINE, ...; default UI) and "state"
// (default TERMINATED) so an estate can hold job clusters and running clusters.
// It validates like create; errors are *apiError values with the create messages.
func (s *Server) SeedCluster(body []byte) (string, error) {
	doc, err := parseCompDoc(body)
	if err != nil {
		return "", err
	}
	source, state, err := seedClusterOrigin(doc)
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.createCluster(doc, source, state)
}

// seedClusterOrigin reads the seed-only keys, applying their defaults.
func seedClusterOrigin(doc compDoc) (source, state string, err error) {
	if source, err = doc.str("cluster_source"); err != nil {
		return "", "", err
	}
	if state, err = doc.str("state"); err != nil {
		return "", "", err
	}
	source, state = compOrDefault(source, "UI"), compOrDefault(state, clusterTerminated)
	if !clusterSources[source] {
		return "", "", invalidParam("Invalid cluster_source: %s", source)
	}
	if _, ok := clusterStateRank[state]; !ok {
		return "", "", invalidParam("Invalid state: %s", state)
	}
	return source, state, nil
}

// ClusterCount is the number of clusters, terminated ones included.
func (s *Server) ClusterCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.comp.clusters)
}

func (s *Server) clustersCreate(r *http.Request) (any, error) {
	doc, err := readCompDoc(r)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id, err := s.createCluster(doc, "API", clusterPending)
	if err != nil {
		return nil, err
	}
	return map[string]any{"cluster_id": id}, nil
}

// createCluster validates and stores a new cluster in the given state. Call with
// s.mu held.
func (s *Server) createCluster(doc compDoc, source, state string) (string, error) {
	spec, err := s.clusterCloneBase(doc)
	if err != nil {
		return "", err
	}
	fromPool, err := s.validateClusterSpec(spec)
	if err != nil {
		return "", err
	}
	c := &clusterRec{
		id: s.newClusterID(), source: source, creator: s.opts.UserName,
		spec: spec, fromPool: fromPool, startTime: s.now(),
		sparkContextID: s.rng.Int64(),
	}
	s.setClusterState(c, state)
	s.comp.clusters[c.id] = c
	return c.id, nil
}

// clusterCloneBase returns the spec to store: the body, laid over the spec of
// clone_from.source_cluster_id when the body asks to clone.
func (s *Server) clusterCloneBase(doc compDoc) (compDoc, error) {
	clone, err := doc.obj("clone_from")
	if err != nil || clone == nil {
		return clusterSpecOf(doc), err
	}
	src, err := clone.str("source_cluster_id")
	if err != nil {
		return nil, err
	}
	base, err := s.lookupCluster(src)
	if err != nil {
		return nil, err
	}
	spec := base.spec.clone()
	for k, v := range clusterSpecOf(doc) {
		spec[k] = v
	}
	return spec, nil
}

// clusterSpecOf is the storable part of a create/edit body.
func clusterSpecOf(doc compDoc) compDoc {
	spec := doc.clone()
	for _, k := range clusterReadOnlyKeys {
		delete(spec, k)
	}
	return spec
}

// setClusterState puts c in state as if it had just got there; seeds use it to
// start in any state. Call with s.mu held.
func (s *Server) setClusterState(c *clusterRec, state string) {
	c.state, c.stateMessage = state, ""
	switch state {
	case clusterPending:
		c.stateMessage = "Finding instances for new nodes, acquiring more instances if necessary"
	case clusterRunning:
		c.lastRestartedTime = s.now()
	case clusterTerminated:
		c.terminatedTime = s.now()
		c.stateMessage = "Termination requested by " + s.opts.UserName
		c.terminationReason = s.userTermination()
	}
}

func (s *Server) userTermination() compDoc {
	return compDoc{"code": "USER_REQUEST", "type": "SUCCESS",
		"parameters": map[string]any{"username": s.opts.UserName}}
}

// settleCluster completes the transition a reader would next observe.
func (s *Server) settleCluster(c *clusterRec) {
	switch c.state {
	case clusterPending, clusterRestarting:
		c.state, c.stateMessage = clusterRunning, ""
		c.lastRestartedTime = s.now()
		c.sparkContextID = s.rng.Int64()
	case clusterTerminating:
		c.state, c.stateMessage = clusterTerminated, "Termination requested by "+s.opts.UserName
		c.terminatedTime = s.now()
	}
}

func (s *Server) clustersGet(r *http.Request) (any, error) {
	id := r.URL.Query().Get("cluster_id")
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.lookupCluster(id)
	if err != nil {
		return nil, err
	}
	s.settleCluster(c)
	return s.clusterView(c), nil
}

// lookupCluster answers the service's legacy "not found": 400
// INVALID_PARAMETER_VALUE "Cluster <id> does not exist", which the SDK turns into
// ErrResourceDoesNotExist on GET clusters/get only.
func (s *Server) lookupCluster(id string) (*clusterRec, error) {
	if id == "" {
		return nil, invalidParam("Missing required field: cluster_id")
	}
	c, ok := s.comp.clusters[id]
	if !ok {
		return nil, invalidParam("Cluster %s does not exist", id)
	}
	return c, nil
}

func (s *Server) clustersEdit(r *http.Request) (any, error) {
	doc, err := readCompDoc(r)
	if err != nil {
		return nil, err
	}
	id, err := doc.str("cluster_id")
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.lookupCluster(id)
	if err != nil {
		return nil, err
	}
	return nil, s.editCluster(c, clusterSpecOf(doc))
}

// editCluster replaces the spec of c. Only RUNNING (which restarts) and TERMINATED
// (which stays so) clusters can be edited, and never a job's cluster.
func (s *Server) editCluster(c *clusterRec, spec compDoc) error {
	if c.source == "JOB" {
		return invalidParam("Cannot edit cluster %s created by JobLauncher", c.id)
	}
	if c.state != clusterRunning && c.state != clusterTerminated {
		return invalidState("Cluster %s is in unexpected state %s.", c.id, clusterStateTitle(c.state))
	}
	fromPool, err := s.validateClusterSpec(spec)
	if err != nil {
		return err
	}
	c.spec, c.fromPool = spec, fromPool
	if c.state == clusterRunning {
		c.state, c.stateMessage = clusterRestarting, "Restarting cluster to apply the new configuration"
	}
	return nil
}

// clusterStateTitle is how the service spells a state in messages ("Pending").
func clusterStateTitle(state string) string {
	return state[:1] + strings.ToLower(state[1:])
}

func (s *Server) clustersStart(r *http.Request) (any, error) {
	return s.withCluster(r, func(c *clusterRec) error {
		if c.source == "JOB" {
			return invalidParam("Cannot start cluster %s created by JobLauncher", c.id)
		}
		if c.state == clusterTerminated {
			c.startTime, c.terminatedTime, c.terminationReason = s.now(), 0, nil
			s.setClusterState(c, clusterPending)
		}
		return nil
	})
}

// clustersDelete terminates; it is a no-op on a terminating or terminated cluster.
func (s *Server) clustersDelete(r *http.Request) (any, error) {
	return s.withCluster(r, func(c *clusterRec) error {
		if c.state != clusterTerminating && c.state != clusterTerminated {
			c.state, c.stateMessage = clusterTerminating, "Terminating cluster"
			c.terminationReason = s.userTermination()
		}
		return nil
	})
}

func (s *Server) clustersPermanentDelete(r *http.Request) (any, error) {
	return s.withCluster(r, func(c *clusterRec) error {
		delete(s.comp.clusters, c.id)
		return nil
	})
}

func (s *Server) clustersPin(pinned bool) handlerFunc {
	return func(r *http.Request) (any, error) {
		return s.withCluster(r, func(c *clusterRec) error {
			c.pinned = pinned
			return nil
		})
	}
}

// withCluster decodes a {"cluster_id"} body and runs fn on that cluster with s.mu
// held, answering {} on success.
func (s *Server) withCluster(r *http.Request, fn func(*clusterRec) error) (any, error) {
	doc, err := readCompDoc(r)
	if err != nil {
		return nil, err
	}
	id, err := doc.str("cluster_id")
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.lookupCluster(id)
	if err != nil {
		return nil, err
	}
	return nil, fn(c)
}

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
	driver, err := s.clusterPool("driver_instance_pool_id", compOrDefault(driverPoolID, poolID))
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
	"availability": "SPOT_WITH_FALLBACK", "zone_id": "us-west-2a", "first_on_demand": 1,
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
		out["aws_attributes"] = withCompDefaults(aws, awsClusterDefaults)
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

// parseCompDoc decodes a JSON object keeping numbers exact (json.Number), so
// int64 values above 2^53 survive a round trip.
func parseCompDoc(data []byte) (compDoc, error) {
	doc := compDoc{}
	if len(bytes.TrimSpace(data)) == 0 {
		return doc, nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return nil, errorf(http.StatusBadRequest, "MALFORMED_REQUEST",
			"Invalid JSON given in the body of the request - %v", err)
	}
	if doc == nil { // a literal null
		doc = compDoc{}
	}
	return doc, nil
}

// readCompDoc reads and decodes a request body with parseCompDoc.
func readCompDoc(r *http.Request) (compDoc, error) {
	data, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, errorf(http.StatusBadRequest, "MALFORMED_REQUEST", "could not read request body: %v", err)
	}
	return parseCompDoc(data)
}

func compOrDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// clusterListQuery is a parsed clusters/list request.
type clusterListQuery struct {
	pageSize        int
	token           *clusterPageToken
	byName, desc    bool
	sources, states map[string]bool
	pinned          *bool
	policyID        string
}

// clusterPageToken is the opaque page token: a position in the sort order
// (keyset, so clusters created or deleted between pages shift nothing).
type clusterPageToken struct {
	Before bool       `json:"b,omitempty"`
	Key    clusterKey `json:"k"`
}

// clusterKey holds every column either sort order uses.
type clusterKey struct {
	Rank     int    `json:"r"`
	Unpinned bool   `json:"u"`
	Name     string `json:"n"`
	ID       string `json:"i"`
}

// Page size when page_size is absent, and the most one page holds.
const clusterPageMax = 100

func (s *Server) clustersList(r *http.Request) (any, error) {
	q, err := parseClusterListQuery(r.URL.Query())
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rows := s.listedClusters(q)
	lo, hi := q.window(rows)
	out := compDoc{}
	if hi > lo {
		page := make([]compDoc, 0, hi-lo)
		for _, c := range rows[lo:hi] {
			page = append(page, s.clusterView(c))
		}
		out["clusters"] = page
	}
	if hi < len(rows) { // the last page carries no token: that is what ends SDK paging
		out["next_page_token"] = clusterPageToken{Key: rows[hi-1].key()}.encode()
	}
	if lo > 0 {
		out["prev_page_token"] = clusterPageToken{Before: true, Key: rows[lo].key()}.encode()
	}
	return out, nil
}

// listedClusters settles every cluster (a list is a read too), then filters and
// sorts. Call with s.mu held.
func (s *Server) listedClusters(q clusterListQuery) []*clusterRec {
	cutoff := s.now() - 30*24*60*60*1000
	var rows []*clusterRec
	for _, c := range s.comp.clusters {
		s.settleCluster(c)
		if q.keeps(c, cutoff) {
			rows = append(rows, c)
		}
	}
	slices.SortFunc(rows, func(a, b *clusterRec) int { return q.compare(a.key(), b.key()) })
	return rows
}

func (c *clusterRec) key() clusterKey {
	name, _ := c.spec.str("cluster_name")
	return clusterKey{Rank: clusterStateRank[c.state], Unpinned: !c.pinned, Name: name, ID: c.id}
}

// keeps applies filter_by and the 30-day window for unpinned terminated clusters.
func (q clusterListQuery) keeps(c *clusterRec, cutoff int64) bool {
	policy, _ := c.spec.str("policy_id")
	switch {
	case c.state == clusterTerminated && !c.pinned && c.terminatedTime < cutoff:
		return false
	case len(q.sources) > 0 && !q.sources[c.source]:
		return false
	case len(q.states) > 0 && !q.states[c.state]:
		return false
	case q.pinned != nil && *q.pinned != c.pinned:
		return false
	}
	return q.policyID == "" || q.policyID == policy
}

// compare orders by state, pinned first, then name (DEFAULT) or by name alone
// (CLUSTER_NAME); the id breaks ties so the order is total and tokens exact.
func (q clusterListQuery) compare(a, b clusterKey) int {
	c := 0
	if !q.byName {
		c = cmp.Or(cmp.Compare(a.Rank, b.Rank), compCompareBool(a.Unpinned, b.Unpinned))
	}
	c = cmp.Or(c, cmp.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)),
		cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID))
	if q.desc {
		return -c
	}
	return c
}

func compCompareBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// window is the [lo, hi) slice of rows the page token and page size select.
func (q clusterListQuery) window(rows []*clusterRec) (lo, hi int) {
	switch {
	case q.token == nil:
		hi = min(q.pageSize, len(rows))
	case q.token.Before:
		hi = q.firstAtOrAfter(rows, q.token.Key, 0)
		lo = max(0, hi-q.pageSize)
	default:
		lo = q.firstAtOrAfter(rows, q.token.Key, 1)
		hi = min(lo+q.pageSize, len(rows))
	}
	return lo, hi
}

// firstAtOrAfter is the index of the first row whose key compares >= bound
// against k (bound 0: at or after k; bound 1: strictly after k).
func (q clusterListQuery) firstAtOrAfter(rows []*clusterRec, k clusterKey, bound int) int {
	for i, c := range rows {
		if q.compare(c.key(), k) >= bound {
			return i
		}
	}
	return len(rows)
}

func (t clusterPageToken) encode() string {
	data, _ := json.Marshal(t) // plain struct: cannot fail
	return base64.RawURLEncoding.EncodeToString(data)
}

func decodeClusterPageToken(s string) (*clusterPageToken, error) {
	data, err := base64.RawURLEncoding.DecodeString(s)
	var t clusterPageToken
	if err == nil {
		err = json.Unmarshal(data, &t)
	}
	if err != nil || t.Key.ID == "" {
		return nil, invalidParam("Invalid page token: %s", s)
	}
	return &t, nil
}

// parseClusterListQuery reads page_size, page_token, sort_by.* and filter_by.*
// (repeated keys for the lists, as the SDK encodes them).
func parseClusterListQuery(v url.Values) (clusterListQuery, error) {
	q := clusterListQuery{policyID: v.Get("filter_by.policy_id")}
	steps := []func(url.Values, *clusterListQuery) error{
		parseClusterPaging, parseClusterSort, parseClusterFilters, parseClusterPinned,
	}
	for _, step := range steps {
		if err := step(v, &q); err != nil {
			return q, err
		}
	}
	return q, nil
}

func parseClusterPaging(v url.Values, q *clusterListQuery) error {
	size, err := strconv.Atoi(compOrDefault(v.Get("page_size"), "0"))
	if err != nil || size < 0 {
		return invalidParam("Invalid page_size: %q", v.Get("page_size"))
	}
	if size == 0 || size > clusterPageMax { // absent means the default; larger is capped
		size = clusterPageMax
	}
	q.pageSize = size
	if tok := v.Get("page_token"); tok != "" {
		q.token, err = decodeClusterPageToken(tok)
	}
	return err
}

func parseClusterSort(v url.Values, q *clusterListQuery) error {
	switch f := v.Get("sort_by.field"); f {
	case "", "DEFAULT":
	case "CLUSTER_NAME":
		q.byName = true
	default:
		return invalidParam("Invalid sort_by.field: %s", f)
	}
	switch d := v.Get("sort_by.direction"); d {
	case "", "ASC":
	case "DESC":
		q.desc = true
	default:
		return invalidParam("Invalid sort_by.direction: %s", d)
	}
	return nil
}

func parseClusterFilters(v url.Values, q *clusterListQuery) error {
	var err error
	q.sources, err = clusterValueSet(v, "filter_by.cluster_sources", func(s string) bool { return clusterSources[s] })
	if err != nil {
		return err
	}
	q.states, err = clusterValueSet(v, "filter_by.cluster_states", func(s string) bool {
		_, ok := clusterStateRank[s]
		return ok
	})
	return err
}

// clusterValueSet collects a repeated query key, refusing unknown enum values.
func clusterValueSet(v url.Values, key string, valid func(string) bool) (map[string]bool, error) {
	set := map[string]bool{}
	for _, val := range v[key] {
		if !valid(val) {
			return nil, invalidParam("Invalid %s: %s", key, val)
		}
		set[val] = true
	}
	return set, nil
}

// parseClusterPinned: the SDK sends filter_by.is_pinned only when true (or forced).
func parseClusterPinned(v url.Values, q *clusterListQuery) error {
	raw, ok := v["filter_by.is_pinned"]
	if !ok {
		return nil
	}
	b, err := strconv.ParseBool(raw[0])
	if err != nil {
		return invalidParam("Invalid filter_by.is_pinned: %q", raw[0])
	}
	q.pinned = &b
	return nil
}

// compDoc is a JSON object as the compute families store it: decoded with
// UseNumber so int64 values keep every digit, re-encoded as sent.
type compDoc map[string]any

func (d compDoc) has(k string) bool {
	_, ok := d[k]
	return ok
}

func (d compDoc) setDefault(k string, v any) {
	if !d.has(k) {
		d[k] = v
	}
}

// str reads an optional string; absent or null gives "".
func (d compDoc) str(k string) (string, error) {
	v, ok := d[k]
	if !ok || v == nil {
		return "", nil
	}
	s, ok := v.(string)
	if !ok {
		return "", compTypeError(k, "a string")
	}
	return s, nil
}

// num reads an optional integer; ok reports whether it was present.
func (d compDoc) num(k string) (n int64, ok bool, err error) {
	v, ok := d[k]
	if !ok || v == nil {
		return 0, false, nil
	}
	switch t := v.(type) {
	case json.Number:
		if n, err := t.Int64(); err == nil {
			return n, true, nil
		}
	case int64:
		return t, true, nil
	case int:
		return int64(t), true, nil
	}
	return 0, false, compTypeError(k, "an integer")
}

// obj reads an optional object; absent or null gives nil.
func (d compDoc) obj(k string) (compDoc, error) {
	switch t := d[k].(type) {
	case nil:
		return nil, nil
	case map[string]any:
		return compDoc(t), nil
	case compDoc:
		return t, nil
	}
	return nil, compTypeError(k, "an object")
}

// list reads an optional array; absent or null gives nil.
func (d compDoc) list(k string) ([]any, error) {
	switch t := d[k].(type) {
	case nil:
		return nil, nil
	case []any:
		return t, nil
	}
	return nil, compTypeError(k, "an array")
}

func compTypeError(k, want string) *apiError {
	return errorf(http.StatusBadRequest, "MALFORMED_REQUEST",
		"Could not parse request object: field '%s' must be %s", k, want)
}

// clone is a deep copy, so a response never aliases stored state.
func (d compDoc) clone() compDoc {
	if d == nil {
		return nil
	}
	return cloneCompValue(map[string]any(d)).(compDoc)
}

func cloneCompValue(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(compDoc, len(t))
		for k, e := range t {
			out[k] = cloneCompValue(e)
		}
		return out
	case compDoc:
		return cloneCompValue(map[string]any(t))
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = cloneCompValue(e)
		}
		return out
	}
	return v
}

func sortedCompKeys(d compDoc) []string {
	keys := make([]string, 0, len(d))
	for k := range d {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
