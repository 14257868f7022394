package emulator

import (
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// SQL warehouses (reference part 2 §5): list (page_size/page_token), get,
// create (which starts the warehouse), edit (full spec), delete, start, stop.
// State moves STARTING → RUNNING after Options.ClusterStartDelay and
// STOPPING → STOPPED after ClusterTerminateDelay, measured on Now (zero:
// by the next request), as clusters do.

type warehouseState struct {
	byID  map[string]*warehouse
	order []*warehouse // creation order, the list's order
}

type warehouse struct {
	id      string
	spec    compDoc
	state   string
	since   time.Time // when state was entered
	creator string
}

func newWarehouseState() *warehouseState { return &warehouseState{byID: map[string]*warehouse{}} }

func (s *Server) warehouseRoutes() {
	p := "/api/2.0/sql/warehouses"
	s.route(http.MethodGet, p, s.warehousesList)
	s.route(http.MethodPost, p, s.warehousesCreate)
	s.route(http.MethodGet, p+"/{id}", s.warehousesGet)
	s.route(http.MethodDelete, p+"/{id}", s.warehousesDelete)
	s.route(http.MethodPost, p+"/{id}/edit", s.warehousesEdit)
	s.route(http.MethodPost, p+"/{id}/start", s.warehousesStart)
	s.route(http.MethodPost, p+"/{id}/stop", s.warehousesStop)
}

// SeedWarehouse creates a warehouse from a create body, as create does
// (validated; it starts), and returns its id.
func (s *Server) SeedWarehouse(body []byte) (string, error) {
	doc, err := parseDoc(body)
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.createWarehouse(doc)
}

func (s *Server) warehousesCreate(r *http.Request) (any, error) {
	doc, err := readDoc(r)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id, err := s.createWarehouse(doc)
	if err != nil {
		return nil, err
	}
	return compDoc{"id": id}, nil
}

func (s *Server) createWarehouse(doc compDoc) (string, error) {
	spec := warehouseSpecOf(doc)
	if err := s.validateWarehouse(spec, ""); err != nil {
		return "", err
	}
	w := &warehouse{id: s.randString("0123456789abcdef", 16), spec: spec, creator: s.opts.UserName}
	w.enter("STARTING", s.opts.Now())
	s.wh.byID[w.id] = w
	s.wh.order = append(s.wh.order, w)
	return w.id, nil
}

// warehouseSettable are the fields create and edit take (§5).
var warehouseSettable = []string{"name", "cluster_size", "min_num_clusters", "max_num_clusters",
	"auto_stop_mins", "enable_photon", "enable_serverless_compute", "warehouse_type",
	"spot_instance_policy", "channel", "tags", "instance_profile_arn", "creator_name"}

func warehouseSpecOf(doc compDoc) compDoc {
	spec := compDoc{}
	for _, k := range warehouseSettable {
		if v, ok := doc[k]; ok && k != "creator_name" {
			spec[k] = cloneValue(v)
		}
	}
	return spec
}

func (w *warehouse) enter(state string, at time.Time) { w.state, w.since = state, at }

// settleWarehouse completes a STARTING or STOPPING transition whose delay has passed.
func (s *Server) settleWarehouse(w *warehouse) {
	now := s.opts.Now()
	switch {
	case w.state == "STARTING" && !now.Before(w.since.Add(s.opts.ClusterStartDelay)):
		w.enter("RUNNING", now)
	case w.state == "STOPPING" && !now.Before(w.since.Add(s.opts.ClusterTerminateDelay)):
		w.enter("STOPPED", now)
	}
}

// view is the EndpointInfo wire shape: the spec with the service's defaults
// (min_num_clusters 1, max = min, auto_stop_mins 120, enable_photon true,
// warehouse_type CLASSIC as the CLI fake has it) and the read-only fields.
func (s *Server) warehouseView(w *warehouse) compDoc {
	s.settleWarehouse(w)
	out := w.spec.clone()
	out.setDefault("min_num_clusters", int64(1))
	out.setDefault("max_num_clusters", out["min_num_clusters"])
	out.setDefault("auto_stop_mins", int64(120))
	out.setDefault("enable_photon", true)
	out.setDefault("warehouse_type", "CLASSIC")
	out.setDefault("spot_instance_policy", "COST_OPTIMIZED")
	out.setDefault("channel", compDoc{"name": "CHANNEL_NAME_CURRENT"})
	host := strings.TrimPrefix(s.URL(), "http://")
	clusters := int64(0)
	if w.state == "RUNNING" || w.state == "STARTING" {
		clusters, _, _ = out.num("min_num_clusters")
	}
	out["id"], out["state"], out["creator_name"] = w.id, w.state, w.creator
	out["num_clusters"], out["num_active_sessions"] = clusters, 0
	out["health"] = compDoc{"status": "HEALTHY"}
	out["jdbc_url"] = "jdbc:spark://" + host + ":443/default;transportMode=http;ssl=1;AuthMech=3;httpPath=/sql/1.0/warehouses/" + w.id + ";"
	out["odbc_params"] = compDoc{"hostname": host, "path": "/sql/1.0/warehouses/" + w.id, "protocol": "https", "port": 443}
	return out
}

func (s *Server) warehousesList(r *http.Request) (any, error) {
	size, err := queryInt64(r, "page_size", 0)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	lo, hi, next, err := tokenPage(r, len(s.wh.order), int(size))
	if err != nil {
		return nil, err
	}
	out := make([]compDoc, 0, hi-lo)
	for _, w := range s.wh.order[lo:hi] {
		out = append(out, s.warehouseView(w))
	}
	resp := compDoc{"warehouses": out}
	if next != "" {
		resp["next_page_token"] = next
	}
	return resp, nil
}

// warehouseID is the {id} segment of /api/2.0/sql/warehouses/{id}[/verb].
func warehouseID(r *http.Request) string {
	rest := strings.TrimPrefix(cleanURLPath(r.URL.Path), "/api/2.0/sql/warehouses/")
	id, _, _ := strings.Cut(rest, "/")
	return id
}

// lookupWarehouse [RECALL: 404 RESOURCE_DOES_NOT_EXIST, text not captured].
func (s *Server) lookupWarehouse(id string) (*warehouse, error) {
	w := s.wh.byID[id]
	if w == nil {
		return nil, notFound("SQL warehouse %s does not exist.", id)
	}
	return w, nil
}

func (s *Server) warehousesGet(r *http.Request) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w, err := s.lookupWarehouse(warehouseID(r))
	if err != nil {
		return nil, err
	}
	return s.warehouseView(w), nil
}

// onWarehouse runs fn on the warehouse the path names, with s.mu held.
func (s *Server) onWarehouse(r *http.Request, fn func(*warehouse) error) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w, err := s.lookupWarehouse(warehouseID(r))
	if err == nil {
		s.settleWarehouse(w)
		err = fn(w)
	}
	return nil, err
}

func (s *Server) warehousesDelete(r *http.Request) (any, error) {
	return s.onWarehouse(r, func(w *warehouse) error {
		delete(s.wh.byID, w.id)
		s.wh.order = slices.DeleteFunc(s.wh.order, func(x *warehouse) bool { return x == w })
		return nil
	})
}

// warehousesEdit replaces the spec; the state is unchanged (a stopped
// warehouse stays stopped: the SDK's edit waiter then fails, §5).
func (s *Server) warehousesEdit(r *http.Request) (any, error) {
	doc, err := readDoc(r)
	if err != nil {
		return nil, err
	}
	return s.onWarehouse(r, func(w *warehouse) error {
		spec := warehouseSpecOf(doc)
		if err := s.validateWarehouse(spec, w.id); err != nil {
			return err
		}
		w.spec = spec
		return nil
	})
}

func (s *Server) warehousesStart(r *http.Request) (any, error) {
	return s.onWarehouse(r, func(w *warehouse) error {
		if w.state == "STOPPED" || w.state == "STOPPING" {
			w.enter("STARTING", s.opts.Now())
		}
		return nil
	})
}

func (s *Server) warehousesStop(r *http.Request) (any, error) {
	return s.onWarehouse(r, func(w *warehouse) error {
		if w.state == "RUNNING" || w.state == "STARTING" {
			w.enter("STOPPING", s.opts.Now())
		}
		return nil
	})
}

// WarehouseIDs maps each warehouse's name to its id.
func (s *Server) WarehouseIDs() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]string, len(s.wh.order))
	for _, w := range s.wh.order {
		name, _ := w.spec.str("name")
		out[name] = w.id
	}
	return out
}

// validateWarehouse applies the rules of §5; self is the warehouse being
// edited ("" on create). Codes are 400 INVALID_PARAMETER_VALUE (the
// duplicate-name status is [RECALL]; the other texts are [RECALL]).
func (s *Server) validateWarehouse(spec compDoc, self string) error {
	for _, check := range []func(compDoc) error{s.warehouseNameCheck(self), checkWarehouseSize,
		checkWarehouseScaling, checkWarehouseAutoStop, checkWarehouseEnums, checkWarehouseTags} {
		if err := check(spec); err != nil {
			return err
		}
	}
	return nil
}

func (s *Server) warehouseNameCheck(self string) func(compDoc) error {
	return func(spec compDoc) error {
		name, err := spec.str("name")
		switch n := utf8.RuneCountInString(name); {
		case err != nil:
			return err
		case n == 0:
			return invalidParam("Missing required field: name")
		case n >= 100:
			return invalidParam("name must be shorter than 100 characters, got %d", n)
		}
		for _, w := range s.wh.order {
			if other, _ := w.spec.str("name"); w.id != self && other == name {
				return invalidParam("SQL warehouse with name `%s` already exists", name)
			}
		}
		return nil
	}
}

var warehouseSizes = []string{"2X-Small", "X-Small", "Small", "Medium", "Large", "X-Large",
	"2X-Large", "3X-Large", "4X-Large", "5X-Large"}

func checkWarehouseSize(spec compDoc) error {
	size, err := spec.str("cluster_size")
	switch {
	case err != nil:
		return err
	case size == "":
		return invalidParam("Missing required field: cluster_size")
	case !slices.Contains(warehouseSizes, size):
		return invalidParam("Invalid cluster_size: %s. Valid sizes: %s", size, strings.Join(warehouseSizes, ", "))
	}
	return nil
}

// checkWarehouseScaling: 0 < min ≤ min(max, 30); min ≤ max ≤ 40.
func checkWarehouseScaling(spec compDoc) error {
	lo, hasLo, err := spec.num("min_num_clusters")
	if err != nil {
		return err
	}
	hi, hasHi, err := spec.num("max_num_clusters")
	if err != nil {
		return err
	}
	if !hasLo {
		lo = 1
	}
	if !hasHi {
		hi = lo
	}
	if lo <= 0 || lo > 30 || hi < lo || hi > 40 {
		return invalidParam("Invalid scaling: need 0 < min_num_clusters <= min(max_num_clusters, 30) and max_num_clusters <= 40, got min_num_clusters=%d max_num_clusters=%d", lo, hi)
	}
	return nil
}

// checkWarehouseAutoStop: 0 (never) or at least 10 minutes.
func checkWarehouseAutoStop(spec compDoc) error {
	n, _, err := spec.num("auto_stop_mins")
	if err == nil && n != 0 && n < 10 {
		err = invalidParam("Invalid auto_stop_mins %d: it must be 0 or at least 10", n)
	}
	return err
}

func checkWarehouseEnums(spec compDoc) error {
	typ, err := spec.str("warehouse_type")
	if err != nil {
		return err
	}
	if typ != "" && !slices.Contains([]string{"PRO", "CLASSIC", "TYPE_UNSPECIFIED"}, typ) {
		return invalidParam("Invalid warehouse_type: %s", typ)
	}
	if spec["enable_serverless_compute"] == true && typ != "PRO" {
		return invalidParam("Serverless compute requires warehouse_type PRO")
	}
	policy, err := spec.str("spot_instance_policy")
	if err == nil && policy != "" && !slices.Contains([]string{"COST_OPTIMIZED", "RELIABILITY_OPTIMIZED", "POLICY_UNSPECIFIED"}, policy) {
		err = invalidParam("Invalid spot_instance_policy: %s", policy)
	}
	return err
}

// checkWarehouseTags: fewer than 45 custom tags (§3.4).
func checkWarehouseTags(spec compDoc) error {
	tags, err := spec.obj("tags")
	if err != nil || tags == nil {
		return err
	}
	list, err := tags.list("custom_tags")
	if err == nil && len(list) >= 45 {
		err = invalidParam("tags.custom_tags: fewer than 45 custom tags are allowed, got %d", len(list))
	}
	return err
}
