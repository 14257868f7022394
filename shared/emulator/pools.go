package emulator

import (
	"cmp"
	"net/http"
	"slices"
	"strconv"
	"unicode/utf8"
)

// Instance pools API 2.0 (reference §2.4). A pool is stored as its create body
// (read-only keys dropped); edit replaces only the fields the edit call accepts.
//
// Choices where the reference is silent (documented guesses):
//   - A missing pool is 404 RESOURCE_DOES_NOT_EXIST "Can't find an instance pool
//     with id: <id>." (the message is observed; the status was not captured).
//   - A duplicate name is 400 INVALID_PARAMETER_VALUE, the cluster manager's usual
//     code for a bad request value.
//   - Fields edit does not accept (aws_attributes, disk_spec, ...) are ignored when
//     sent to edit, so they stay as created; node_type_id must be resent unchanged.
//   - aws_attributes reads back with availability SPOT, spot_bid_price_percent 100
//     and a zone filled in when not sent; stats report min_idle_instances as idle.

// poolRec is one instance pool.
type poolRec struct {
	id      string
	doc     compDoc // settable fields as sent
	groupID string  // the DatabricksInstanceGroupId default tag
	zone    string  // the workspace's default zone, for a pool created without one
}

// poolEditableKeys are the fields instance-pools/edit sets (full replace).
var poolEditableKeys = []string{
	"instance_pool_name", "node_type_id", "min_idle_instances", "max_capacity",
	"idle_instance_autotermination_minutes", "custom_tags", "remote_disk_throughput",
	"total_initial_remote_disk_size",
}

var poolReadOnlyKeys = []string{"instance_pool_id", "default_tags", "state", "stats", "status"}

var poolAWSDefaults = compDoc{"availability": "SPOT", "spot_bid_price_percent": 100}

func (s *Server) poolRoutes() {
	s.route(http.MethodGet, "/api/2.0/instance-pools/list", s.poolsList)
	s.route(http.MethodGet, "/api/2.0/instance-pools/get", s.poolsGet)
	s.route(http.MethodPost, "/api/2.0/instance-pools/create", s.poolsCreate)
	s.route(http.MethodPost, "/api/2.0/instance-pools/edit", s.poolsEdit)
	s.route(http.MethodPost, "/api/2.0/instance-pools/delete", s.poolsDelete)
}

// SeedPool creates an instance pool from an instance-pools/create request body.
// It validates like create; errors are *apiError values with the create messages.
func (s *Server) SeedPool(body []byte) (string, error) {
	doc, err := parseDoc(body)
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.createPool(doc)
}

// PoolCount is the number of instance pools.
func (s *Server) PoolCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.comp.pools)
}

func (s *Server) poolsCreate(r *http.Request) (any, error) {
	doc, err := readDoc(r)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id, err := s.createPool(doc)
	if err != nil {
		return nil, err
	}
	return map[string]any{"instance_pool_id": id}, nil
}

// createPool validates and stores a pool. Call with s.mu held.
func (s *Server) createPool(doc compDoc) (string, error) {
	doc = doc.clone()
	for _, k := range poolReadOnlyKeys {
		delete(doc, k)
	}
	if err := s.validatePool(doc, ""); err != nil {
		return "", err
	}
	p := &poolRec{id: s.newPoolID(), doc: doc, groupID: strconv.FormatInt(int64(s.rng.Uint64()), 10), zone: s.cat.cat.DefaultZone}
	s.comp.pools[p.id] = p
	return p.id, nil
}

func (s *Server) poolsGet(r *http.Request) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.lookupPool(r.URL.Query().Get("instance_pool_id"))
	if err != nil {
		return nil, err
	}
	return p.view(), nil
}

// poolsList answers every pool in one response (no paging), by name then id.
func (s *Server) poolsList(*http.Request) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	pools := make([]*poolRec, 0, len(s.comp.pools))
	for _, p := range s.comp.pools {
		pools = append(pools, p)
	}
	slices.SortFunc(pools, func(a, b *poolRec) int {
		return cmp.Or(cmp.Compare(a.name(), b.name()), cmp.Compare(a.id, b.id))
	})
	out := compDoc{}
	if len(pools) > 0 { // the service omits the key when there are none
		views := make([]compDoc, 0, len(pools))
		for _, p := range pools {
			views = append(views, p.view())
		}
		out["instance_pools"] = views
	}
	return out, nil
}

func (s *Server) poolsEdit(r *http.Request) (any, error) {
	return withLocked(s, r, s.poolIn, func(doc compDoc, p *poolRec) (any, error) {
		return nil, s.editPool(p, doc)
	})
}

// editPool replaces the editable fields of p with those in doc (absent ones are
// cleared). node_type_id is required and cannot change.
func (s *Server) editPool(p *poolRec, doc compDoc) error {
	next := p.doc.clone()
	for _, k := range poolEditableKeys {
		delete(next, k)
		if v, ok := doc[k]; ok {
			next[k] = cloneValue(v)
		}
	}
	if err := s.validatePool(next, p.id); err != nil {
		return err
	}
	if node, _ := next.str("node_type_id"); node != p.nodeType() {
		return invalidParam("node_type_id cannot be changed: instance pool %s uses %s, got %s", p.id, p.nodeType(), node)
	}
	p.doc = next
	return nil
}

func (s *Server) poolsDelete(r *http.Request) (any, error) {
	return withLocked(s, r, s.poolIn, func(_ compDoc, p *poolRec) (any, error) {
		// Clusters keep their reference: a deleted pool dangles, as on a workspace.
		delete(s.comp.pools, p.id)
		return nil, nil
	})
}

// poolIn finds the pool a write body names by instance_pool_id.
func (s *Server) poolIn(doc compDoc) (*poolRec, error) {
	id, err := doc.str("instance_pool_id")
	if err != nil {
		return nil, err
	}
	return s.lookupPool(id)
}

func (s *Server) lookupPool(id string) (*poolRec, error) {
	if id == "" {
		return nil, invalidParam("Missing required field: instance_pool_id")
	}
	p := s.comp.pools[id]
	if p == nil {
		return nil, notFound("Can't find an instance pool with id: %s.", id)
	}
	return p, nil
}

// validatePool checks a pool document; self is the pool being edited ("" on
// create), which may keep its own name.
func (s *Server) validatePool(doc compDoc, self string) error {
	checks := []func(compDoc) error{
		s.poolNameCheck(self), checkPoolNodeType, checkPoolSizes, checkPoolPreloads, checkPoolAWS,
		s.checkPoolCatalog,
	}
	for _, check := range checks {
		if err := check(doc); err != nil {
			return err
		}
	}
	return nil
}

// poolNameCheck: instance_pool_name is required, 1-100 characters, unique.
func (s *Server) poolNameCheck(self string) func(compDoc) error {
	return func(doc compDoc) error {
		name, err := doc.str("instance_pool_name")
		switch n := utf8.RuneCountInString(name); {
		case err != nil:
			return err
		case n == 0:
			return invalidParam("Missing required field: instance_pool_name")
		case n > 100:
			return invalidParam("instance_pool_name must be at most 100 characters, got %d", n)
		}
		for _, p := range s.comp.pools {
			if p.id != self && p.name() == name {
				return invalidParam("Instance pool with name '%s' already exists.", name)
			}
		}
		return nil
	}
}

func checkPoolNodeType(doc compDoc) error {
	node, err := doc.str("node_type_id")
	if err == nil && node == "" {
		err = invalidParam("Missing required field: node_type_id")
	}
	return err
}

// checkPoolSizes: non-negative idle and capacity, idle within capacity, and an
// idle autotermination of 0-10000 minutes.
func checkPoolSizes(doc compDoc) error {
	idle, _, err := doc.num("min_idle_instances")
	if err != nil {
		return err
	}
	capacity, hasCap, err := doc.num("max_capacity")
	if err != nil {
		return err
	}
	mins, _, err := doc.num("idle_instance_autotermination_minutes")
	switch {
	case err != nil:
		return err
	case idle < 0 || capacity < 0:
		return invalidParam("min_idle_instances and max_capacity must be non-negative")
	case hasCap && idle > capacity:
		return invalidParam("min_idle_instances (%d) cannot exceed max_capacity (%d)", idle, capacity)
	case mins < 0 || mins > 10000:
		return invalidParam("idle_instance_autotermination_minutes must be between 0 and 10000, got %d", mins)
	}
	return nil
}

// checkPoolPreloads: at most one preloaded Spark version.
func checkPoolPreloads(doc compDoc) error {
	versions, err := doc.list("preloaded_spark_versions")
	if err == nil && len(versions) > 1 {
		err = invalidParam("preloaded_spark_versions: at most 1 Spark version can be preloaded, got %d", len(versions))
	}
	return err
}

// checkPoolAWS: pools run ON_DEMAND or SPOT only (no SPOT_WITH_FALLBACK).
func checkPoolAWS(doc compDoc) error {
	aws, err := doc.obj("aws_attributes")
	if err != nil {
		return err
	}
	av, err := aws.str("availability")
	if err == nil && av != "" && av != "ON_DEMAND" && av != "SPOT" {
		err = invalidParam("Invalid aws_attributes.availability for an instance pool: %s", av)
	}
	return err
}

func (p *poolRec) name() string {
	n, _ := p.doc.str("instance_pool_name")
	return n
}

func (p *poolRec) nodeType() string {
	n, _ := p.doc.str("node_type_id")
	return n
}

// view is the GetInstancePool / InstancePoolAndStats wire shape of p.
func (p *poolRec) view() compDoc {
	out := p.doc.clone()
	aws, _ := out.obj("aws_attributes")
	aws = withCompDefaults(aws, poolAWSDefaults)
	aws.setDefault("zone_id", p.zone)
	out["aws_attributes"] = aws
	idle, _, _ := p.doc.num("min_idle_instances")
	out["instance_pool_id"] = p.id
	out["default_tags"] = map[string]any{
		"Vendor": "Databricks", "DatabricksInstancePoolCreatorId": computeUserID,
		"DatabricksInstancePoolId": p.id, "DatabricksInstanceGroupId": p.groupID,
	}
	out["state"] = "ACTIVE"
	out["stats"] = map[string]any{
		"used_count": 0, "idle_count": idle, "pending_used_count": 0, "pending_idle_count": 0,
	}
	out["status"] = map[string]any{}
	return out
}
