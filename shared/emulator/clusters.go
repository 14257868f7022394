package emulator

import (
	"cmp"
	"net/http"
	"slices"
	"strings"
)

// Clusters API 2.1, and 2.0 where real workspaces still serve it (reference
// §2.3). A cluster is stored as the user spec exactly as sent plus the
// server-owned fields; every read assembles the wire shape from them, adding
// the defaults the service fills in, so drift detection is exercised. States
// change with time (cluster_state.go); every cluster keeps an event log
// (cluster_events.go).
//
// Choices where the reference is silent (documented guesses):
//   - A JOB cluster refuses edit, update and start with 400
//     INVALID_PARAMETER_VALUE "Cannot edit cluster <id> created by JobLauncher"
//     (the edit text is a real service message, databricks-cli#458; the others
//     mirror it).
//   - start on anything but TERMINATED answers {} and changes nothing (reference
//     §2.3; Databricks' CLI fake answers INVALID_STATE instead).
//   - permanent-delete of a pinned cluster is 400 INVALID_STATE "Cannot delete
//     pinned cluster <id>. Please ask an admin to unpin the cluster first." (the
//     text is the service's, which terraform-provider-databricks matches on;
//     the error code was not captured).
//   - Read-only fields sent in a create/edit body are ignored, not stored.
//   - Pool-backed clusters take node types and elastic disk from the pool and get
//     no aws_attributes defaults (those come from the pool on a real workspace).
//   - The 2.1 list hides unpinned clusters terminated more than 30 days ago; get
//     still answers for them (the service keeps them gettable for about 60 days).
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
	// zone is the workspace's default zone, which the service gives a
	// cluster created without one.
	zone                string
	spec                compDoc // create/edit body minus read-only keys
	fromPool            compDoc // node types etc. taken from the pool(s) at create/edit
	state, stateMessage string
	startTime           int64
	terminatedTime      int64
	lastRestartedTime   int64
	sparkContextID      int64
	terminationReason   compDoc
	pinned              bool
	since               int64          // when the cluster entered state (ms)
	events              []clusterEvent // oldest first
}

func (s *Server) clusterRoutes() {
	for _, v := range []string{"2.0", "2.1"} {
		p := "/api/" + v + "/clusters/"
		s.route(http.MethodGet, p+"get", s.clustersGet)
		s.route(http.MethodPost, p+"create", s.clustersCreate)
		s.route(http.MethodPost, p+"edit", s.clustersEdit)
		s.route(http.MethodPost, p+"update", s.clustersUpdate)
		s.route(http.MethodPost, p+"start", s.clustersStart)
		s.route(http.MethodPost, p+"delete", s.clustersDelete)
		s.route(http.MethodPost, p+"permanent-delete", s.clustersPermanentDelete)
		s.route(http.MethodPost, p+"pin", s.clustersPin(true))
		s.route(http.MethodPost, p+"unpin", s.clustersPin(false))
		s.route(http.MethodPost, p+"events", s.clustersEvents)
	}
	s.route(http.MethodGet, "/api/2.1/clusters/list", s.clustersList)
	s.route(http.MethodGet, "/api/2.0/clusters/list", s.clustersListV20)
}

// SeedCluster creates a cluster from a clusters/create request body. The body may
// also carry "cluster_source" (UI, API, JOB, PIPELINE, ...; default UI) and "state"
// (default TERMINATED) so an estate can hold job clusters and running clusters.
// It validates like create; errors are *apiError values with the create messages.
func (s *Server) SeedCluster(body []byte) (string, error) {
	doc, err := parseDoc(body)
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
	source, state = cmp.Or(source, "UI"), cmp.Or(state, clusterTerminated)
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
	doc, err := readDoc(r)
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
	if userCluster(source) {
		if err := s.checkClusterRunnable(spec); err != nil {
			return "", err
		}
	}
	c := &clusterRec{
		id: s.newClusterID(), source: source, creator: s.opts.UserName, zone: s.cat.cat.DefaultZone,
		spec: spec, fromPool: fromPool, startTime: s.now(),
		sparkContextID: s.rng.Int64(),
	}
	s.event(c, "CREATING", compDoc{"user": s.opts.UserName, "cluster_size": clusterSize(spec)})
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

func (s *Server) clustersGet(r *http.Request) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.lookupCluster(r.URL.Query().Get("cluster_id"))
	if err != nil {
		return nil, err
	}
	return s.clusterView(c), nil
}

// lookupCluster answers the service's legacy "not found": 400
// INVALID_PARAMETER_VALUE "Cluster <id> does not exist", which the SDK turns into
// ErrResourceDoesNotExist on GET clusters/get only. The cluster returned has
// made every transition due by now. Call with s.mu held.
func (s *Server) lookupCluster(id string) (*clusterRec, error) {
	if id == "" {
		return nil, invalidParam("Missing required field: cluster_id")
	}
	c, ok := s.comp.clusters[id]
	if !ok {
		return nil, invalidParam("Cluster %s does not exist", id)
	}
	s.settleCluster(c)
	return c, nil
}

// clusterIn finds the cluster a write body names by cluster_id.
func (s *Server) clusterIn(doc compDoc) (*clusterRec, error) {
	id, err := doc.str("cluster_id")
	if err != nil {
		return nil, err
	}
	return s.lookupCluster(id)
}

// onCluster runs fn on the cluster a write body names, with s.mu held, and
// answers {}.
func (s *Server) onCluster(r *http.Request, fn func(compDoc, *clusterRec) error) (any, error) {
	return withLocked(s, r, s.clusterIn, func(doc compDoc, c *clusterRec) (any, error) {
		return nil, fn(doc, c)
	})
}

func (s *Server) clustersEdit(r *http.Request) (any, error) {
	return s.onCluster(r, func(doc compDoc, c *clusterRec) error {
		return s.editCluster(c, clusterSpecOf(doc))
	})
}

// clustersUpdate is the partial edit: update_mask names the top-level fields
// of "cluster" to set (absent from "cluster": cleared), or "*" for all of them.
func (s *Server) clustersUpdate(r *http.Request) (any, error) {
	return s.onCluster(r, func(doc compDoc, c *clusterRec) error {
		spec, err := maskedClusterSpec(c.spec, doc)
		if err != nil {
			return err
		}
		return s.editCluster(c, spec)
	})
}

// maskedClusterSpec applies an update request to spec. Errors: no
// update_mask, or a mask naming a read-only field.
func maskedClusterSpec(spec, doc compDoc) (compDoc, error) {
	mask, err := doc.str("update_mask")
	if err != nil {
		return nil, err
	}
	fields, err := doc.obj("cluster")
	if err != nil {
		return nil, err
	}
	switch mask {
	case "":
		return nil, invalidParam("Missing required field: update_mask")
	case "*":
		return clusterSpecOf(fields), nil
	}
	out := spec.clone()
	for _, k := range strings.Split(mask, ",") {
		if slices.Contains(clusterReadOnlyKeys, k) || k == "" {
			return nil, invalidParam("Invalid update_mask: field %q cannot be updated", k)
		}
		delete(out, k)
		if v, ok := fields[k]; ok {
			out[k] = cloneValue(v)
		}
	}
	return out, nil
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
	if err := s.checkClusterRunnable(spec); err != nil {
		return err
	}
	s.event(c, "EDITED", compDoc{"user": s.opts.UserName, "attributes": spec.clone(), "previous_attributes": c.spec.clone()})
	c.spec, c.fromPool = spec, fromPool
	if c.state == clusterRunning {
		s.enterState(c, clusterRestarting, s.now())
	}
	return nil
}

// clusterStateTitle is how the service spells a state in messages ("Pending").
func clusterStateTitle(state string) string {
	return state[:1] + strings.ToLower(state[1:])
}

func (s *Server) clustersStart(r *http.Request) (any, error) {
	return s.onCluster(r, func(_ compDoc, c *clusterRec) error {
		if c.source == "JOB" {
			return invalidParam("Cannot start cluster %s created by JobLauncher", c.id)
		}
		if c.state == clusterTerminated {
			c.startTime, c.terminatedTime, c.terminationReason = s.now(), 0, nil
			s.event(c, "STARTING", compDoc{"user": s.opts.UserName})
			s.enterState(c, clusterPending, s.now())
		}
		return nil
	})
}

// clustersDelete terminates; it is a no-op on a terminating or terminated cluster.
func (s *Server) clustersDelete(r *http.Request) (any, error) {
	return s.onCluster(r, func(_ compDoc, c *clusterRec) error {
		if c.state != clusterTerminating && c.state != clusterTerminated {
			s.enterState(c, clusterTerminating, s.now())
		}
		return nil
	})
}

// clustersPermanentDelete removes a cluster, unless it is pinned.
func (s *Server) clustersPermanentDelete(r *http.Request) (any, error) {
	return s.onCluster(r, func(_ compDoc, c *clusterRec) error {
		if c.pinned {
			return invalidState("Cannot delete pinned cluster %s. Please ask an admin to unpin the cluster first.", c.id)
		}
		delete(s.comp.clusters, c.id)
		return nil
	})
}

// clustersPin pins or unpins; doing it twice has no effect (and no event).
func (s *Server) clustersPin(pinned bool) handlerFunc {
	return func(r *http.Request) (any, error) {
		return s.onCluster(r, func(_ compDoc, c *clusterRec) error {
			if c.pinned == pinned {
				return nil
			}
			c.pinned = pinned
			typ := "UNPINNED"
			if pinned {
				typ = "PINNED"
			}
			s.event(c, typ, compDoc{"user": s.opts.UserName})
			return nil
		})
	}
}
