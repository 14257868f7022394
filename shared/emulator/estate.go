package emulator

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Estate is a workspace's contents to seed: workspace objects, then REST create
// bodies for policies, pools, clusters, SQL warehouses, pipelines, notification
// destinations and jobs, then secret scopes. (What the workspace can run and
// who it knows is its Catalog, set by Options.Catalog, not by the estate.) It is loaded
// from JSON (LoadEstate), built in code (Synthesize) or embedded (SampleEstate).
//
// A create body may name resources created earlier in the same load with a
// symbolic reference inside any string value: {{policy:NAME}}, {{pool:NAME}},
// {{cluster:NAME}}, {{warehouse:NAME}}, {{pipeline:NAME}},
// {{destination:NAME}} or {{job:NAME}}, where NAME is the resource's name
// field (policy "name", pool "instance_pool_name", cluster "cluster_name",
// warehouse and pipeline "name", destination "display_name", job "name").
// Seed replaces each reference with the created id; a string that is exactly one
// {{job:NAME}} becomes a JSON number, as job ids are (run_job_task.job_id).
// Default policies every workspace ships with ("Personal Compute", ...) can be
// named too. Databricks' own dynamic values ({{job.id}}, {{tasks.x.values.y}})
// have no colon and are left alone.
type Estate struct {
	Workspace []SeedObject      `json:"workspace,omitempty"`
	Policies  []json.RawMessage `json:"policies,omitempty"`
	Pools     []json.RawMessage `json:"pools,omitempty"`
	Clusters  []json.RawMessage `json:"clusters,omitempty"`
	// Warehouses, Pipelines and Destinations (notification destinations) are
	// create bodies too, seeded after clusters and before jobs so that jobs
	// can name them (sql_task.warehouse_id, pipeline_task.pipeline_id,
	// webhook_notifications ids).
	Warehouses   []json.RawMessage `json:"warehouses,omitempty"`
	Pipelines    []json.RawMessage `json:"pipelines,omitempty"`
	Destinations []json.RawMessage `json:"destinations,omitempty"`
	Jobs         []json.RawMessage `json:"jobs,omitempty"`
	SecretScopes []EstateScope     `json:"secret_scopes,omitempty"`
}

// EstateScope is one Databricks-backed secret scope and its keys (key → value).
type EstateScope struct {
	Scope string            `json:"scope"`
	Keys  map[string]string `json:"keys,omitempty"`
}

// SeedReport says what Seed created.
type SeedReport struct {
	Objects      int `json:"objects"`
	Policies     int `json:"policies"`
	Pools        int `json:"pools"`
	Clusters     int `json:"clusters"`
	Warehouses   int `json:"warehouses"`
	Pipelines    int `json:"pipelines"`
	Destinations int `json:"destinations"`
	Jobs         int `json:"jobs"`
	SecretScopes int `json:"secret_scopes"`
	Secrets      int `json:"secrets"`
	// IDs maps each named resource, spelt as its reference without braces
	// ("policy:etl-policy", "job:nightly-orders"), to the id it was given.
	IDs     map[string]string `json:"ids"`
	Elapsed time.Duration     `json:"elapsed_ns"`
}

// String is a one-line summary of the counts.
func (r SeedReport) String() string {
	return fmt.Sprintf("%d objects, %d policies, %d pools, %d clusters, %d warehouses, %d pipelines, %d destinations, %d jobs, %d secret scopes (%d keys) in %v",
		r.Objects, r.Policies, r.Pools, r.Clusters, r.Warehouses, r.Pipelines, r.Destinations, r.Jobs,
		r.SecretScopes, r.Secrets, r.Elapsed.Round(time.Millisecond))
}

// JobID is the id of the seeded job with that name, or 0.
func (r SeedReport) JobID(name string) int64 {
	id, _ := strconv.ParseInt(r.IDs["job:"+name], 10, 64)
	return id
}

// estateKind is one referenceable resource family, in seeding order.
type estateKind struct {
	ref     string // reference kind: {{ref:NAME}}
	list    string // the Estate field's JSON name, for error messages
	nameKey string // body field that holds the name
	bodies  func(*Estate) []json.RawMessage
	seed    func(*Server, []byte) (string, error)
	count   func(*SeedReport) *int
}

var estateKinds = []estateKind{
	{"policy", "policies", "name", func(e *Estate) []json.RawMessage { return e.Policies },
		(*Server).SeedPolicy, func(r *SeedReport) *int { return &r.Policies }},
	{"pool", "pools", "instance_pool_name", func(e *Estate) []json.RawMessage { return e.Pools },
		(*Server).SeedPool, func(r *SeedReport) *int { return &r.Pools }},
	{"cluster", "clusters", "cluster_name", func(e *Estate) []json.RawMessage { return e.Clusters },
		(*Server).SeedCluster, func(r *SeedReport) *int { return &r.Clusters }},
	{"warehouse", "warehouses", "name", func(e *Estate) []json.RawMessage { return e.Warehouses },
		(*Server).SeedWarehouse, func(r *SeedReport) *int { return &r.Warehouses }},
	{"pipeline", "pipelines", "name", func(e *Estate) []json.RawMessage { return e.Pipelines },
		(*Server).SeedPipeline, func(r *SeedReport) *int { return &r.Pipelines }},
	{"destination", "destinations", "display_name", func(e *Estate) []json.RawMessage { return e.Destinations },
		(*Server).SeedDestination, func(r *SeedReport) *int { return &r.Destinations }},
	{"job", "jobs", "name", func(e *Estate) []json.RawMessage { return e.Jobs },
		seedJobID, func(r *SeedReport) *int { return &r.Jobs }},
}

func seedJobID(s *Server, body []byte) (string, error) {
	id, err := s.SeedJob(body)
	return strconv.FormatInt(id, 10), err
}

// builtinPolicyNames are the default policies a workspace ships with; LoadEstate
// accepts references to them, Seed resolves them from the server's own list.
var builtinPolicyNames = []string{
	"Personal Compute", "Power User Compute", "Shared Compute", "Job Compute", "Legacy Shared Compute",
}

// refRE matches a symbolic reference; refAnyRE anything that looks like one, so a
// misspelt kind ({{polcy:x}}) is reported instead of being sent as text.
var (
	refRE    = regexp.MustCompile(`\{\{(policy|pool|cluster|warehouse|pipeline|destination|job):([^{}]+)\}\}`)
	refAnyRE = regexp.MustCompile(`\{\{([A-Za-z_]+):([^{}]*)\}\}`)
)

// SampleCatalogJob is the sample's job that names its SQL warehouses,
// pipeline and notification destinations (sql_task.warehouse_id,
// pipeline_task.pipeline_id, webhook_notifications ids).
const SampleCatalogJob = "orders-reporting"

//go:embed estates/sample.json
var sampleEstateJSON []byte

// SampleEstate is the demo workspace embedded from estates/sample.json: three
// users' folders, /Shared team folders and a /Repos checkout (25 notebooks in all
// four languages, a few workspace files), 2 custom policies, 2 pools, 4 clusters
// (UI running, API terminated, JOB, PIPELINE), 3 SQL warehouses, a pipeline,
// 2 notification destinations, 6 multi-task jobs (SampleCatalogJob names the
// warehouses, pipeline and destinations) and 2 secret scopes. Each call returns a fresh copy. The file is checked by the package
// tests, so a broken one is a build defect: it panics rather than return an error.
func SampleEstate() *Estate {
	e, err := LoadEstate(bytes.NewReader(sampleEstateJSON))
	if err != nil {
		panic("emulator: embedded estates/sample.json: " + err.Error())
	}
	return e
}

// LoadEstate reads an estate from JSON and checks it without a server: known
// fields only, every body a JSON object, workspace objects well formed, and every
// reference naming a resource defined earlier (or a default policy). Errors name
// the entry ("jobs[3]: unknown reference {{cluster:x}}") or, for malformed JSON,
// the line and column.
func LoadEstate(r io.Reader) (*Estate, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("estate: read: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var e Estate
	if err := dec.Decode(&e); err != nil {
		return nil, jsonPosError(data, dec, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("estate: %s: unexpected data after the estate object", lineCol(data, dec.InputOffset()))
	}
	if err := e.Validate(); err != nil {
		return nil, err
	}
	return &e, nil
}

// jsonPosError adds "line L, column C" to a decoding error.
func jsonPosError(data []byte, dec *json.Decoder, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Errorf("estate: %s: %w", lineCol(data, syn.Offset), err)
	case errors.As(err, &typ):
		return fmt.Errorf("estate: %s: field %s: %w", lineCol(data, typ.Offset), typ.Field, err)
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return fmt.Errorf("estate: %s: unexpected end of input", lineCol(data, int64(len(data))))
	}
	return fmt.Errorf("estate: near %s: %w", lineCol(data, dec.InputOffset()), err)
}

// lineCol turns a byte offset into a 1-based "line L, column C".
func lineCol(data []byte, off int64) string {
	off = min(max(off, 0), int64(len(data)))
	before := data[:off]
	line := bytes.Count(before, []byte("\n")) + 1
	col := len(before) - bytes.LastIndexByte(before, '\n')
	return fmt.Sprintf("line %d, column %d", line, col)
}

// Validate checks e as LoadEstate does; Seed needs no prior Validate.
func (e *Estate) Validate() error {
	for i, o := range e.Workspace {
		if err := validateSeedObject(o); err != nil {
			return fmt.Errorf("workspace[%d]: %w", i, err)
		}
	}
	refs := newRefTable()
	for _, name := range builtinPolicyNames {
		refs.define("policy", name, "")
	}
	for _, k := range estateKinds {
		for i, body := range k.bodies(e) {
			doc, err := decodeEstateBody(body)
			if err == nil {
				_, err = substituteRefs(doc, refs.lookup)
			}
			if err != nil {
				return fmt.Errorf("%s[%d]: %w", k.list, i, err)
			}
			refs.define(k.ref, bodyName(doc, k.nameKey), "")
		}
	}
	for i, sc := range e.SecretScopes {
		if sc.Scope == "" {
			return fmt.Errorf("secret_scopes[%d]: scope is required", i)
		}
	}
	return nil
}

func validateSeedObject(o SeedObject) error {
	if !strings.HasPrefix(o.Path, "/") {
		return fmt.Errorf("path %q must be absolute", o.Path)
	}
	switch strings.ToUpper(o.ObjectType) {
	case "DIRECTORY", "FILE":
		return nil
	case "REPO":
		if o.URL == "" {
			return fmt.Errorf("repo %s: url is required", o.Path)
		}
		return nil
	case "NOTEBOOK":
		switch strings.ToUpper(o.Language) {
		case "PYTHON", "SCALA", "SQL", "R":
			return nil
		}
		return fmt.Errorf("notebook %s: language %q is not one of PYTHON, SCALA, SQL, R", o.Path, o.Language)
	}
	return fmt.Errorf("%s: object_type %q is not one of NOTEBOOK, DIRECTORY, FILE, REPO", o.Path, o.ObjectType)
}

// decodeEstateBody decodes one create body, keeping numbers exact (ids > 2^53).
func decodeEstateBody(body []byte) (map[string]any, error) {
	var doc map[string]any
	if err := decodeJSON(body, &doc); err != nil || doc == nil {
		return nil, fmt.Errorf("body must be a JSON object")
	}
	return doc, nil
}

func bodyName(doc map[string]any, key string) string {
	name, _ := doc[key].(string)
	return name
}

// refTable maps "kind:name" to an id, remembering names defined twice so that a
// reference to one is refused as ambiguous rather than silently picking one.
type refTable struct {
	ids map[string]string
	dup map[string]bool
	// miss, when set, is asked once for a policy name the table lacks (Seed
	// uses it to learn the server's default policies).
	miss func() map[string]string
}

func newRefTable() *refTable {
	return &refTable{ids: map[string]string{}, dup: map[string]bool{}}
}

func (t *refTable) define(kind, name, id string) {
	if name == "" {
		return
	}
	key := kind + ":" + name
	if _, ok := t.ids[key]; ok {
		t.dup[key] = true
	}
	t.ids[key] = id
}

func (t *refTable) lookup(kind, name string) (string, error) {
	key := kind + ":" + name
	if t.dup[key] {
		return "", fmt.Errorf("ambiguous reference {{%s}}: more than one %s is named %q", key, kind, name)
	}
	if id, ok := t.ids[key]; ok {
		return id, nil
	}
	if kind == "policy" && t.miss != nil {
		for n, id := range t.miss() {
			if _, ok := t.ids["policy:"+n]; !ok {
				t.ids["policy:"+n] = id
			}
		}
		t.miss = nil
		return t.lookup(kind, name)
	}
	return "", fmt.Errorf("unknown reference {{%s}} (a reference must name a %s defined earlier in the estate)", key, kind)
}

// substituteRefs returns v with every reference in its string values replaced.
func substituteRefs(v any, lookup func(kind, name string) (string, error)) (any, error) {
	switch t := v.(type) {
	case string:
		return substituteString(t, lookup)
	case map[string]any:
		for k, child := range t {
			out, err := substituteRefs(child, lookup)
			if err != nil {
				return nil, err
			}
			t[k] = out
		}
	case []any:
		for i, child := range t {
			out, err := substituteRefs(child, lookup)
			if err != nil {
				return nil, err
			}
			t[i] = out
		}
	}
	return v, nil
}

func substituteString(s string, lookup func(kind, name string) (string, error)) (any, error) {
	if !strings.Contains(s, "{{") {
		return s, nil
	}
	for _, ref := range refAnyRE.FindAllString(s, -1) {
		if !refRE.MatchString(ref) {
			return nil, fmt.Errorf("unknown reference kind in %s (want policy, pool, cluster, warehouse, pipeline, destination or job)", ref)
		}
	}
	if m := refRE.FindStringSubmatch(s); m != nil && m[0] == s && m[1] == "job" {
		id, err := lookup(m[1], m[2])
		return json.Number(id), err // job ids are numbers on the wire
	}
	var firstErr error
	out := refRE.ReplaceAllStringFunc(s, func(ref string) string {
		m := refRE.FindStringSubmatch(ref)
		id, err := lookup(m[1], m[2])
		if err != nil && firstErr == nil {
			firstErr = err
		}
		return id
	})
	return out, firstErr
}

// Seed creates everything in e, in order: workspace objects, policies, pools,
// clusters, warehouses, pipelines, notification destinations, jobs (in file order, so a job may run an earlier one), secret scopes.
// It bypasses HTTP, rate limits and faults. Seeding stops at the first error,
// which names the entry; what was created before it stays.
func (s *Server) Seed(e *Estate) (rep SeedReport, err error) {
	start := time.Now()
	rep.IDs = map[string]string{}
	defer func() { rep.Elapsed = time.Since(start) }()
	if err := s.seedObjects(e.Workspace, &rep); err != nil {
		return rep, err
	}
	refs := newRefTable()
	refs.miss = s.policyIDsByName
	for _, k := range estateKinds {
		if err := s.seedKind(e, k, refs, &rep); err != nil {
			return rep, err
		}
	}
	for i, sc := range e.SecretScopes {
		if err := s.SeedSecretScope(sc.Scope, sc.Keys); err != nil {
			return rep, fmt.Errorf("secret_scopes[%d] (%s): %w", i, sc.Scope, err)
		}
		rep.SecretScopes++
		rep.Secrets += len(sc.Keys)
	}
	return rep, nil
}

func (s *Server) seedObjects(objs []SeedObject, rep *SeedReport) error {
	for i, o := range objs {
		if err := validateSeedObject(o); err != nil {
			return fmt.Errorf("workspace[%d]: %w", i, err)
		}
		if _, err := s.SeedObject(o); err != nil {
			return fmt.Errorf("workspace[%d] (%s): %w", i, o.Path, err)
		}
		rep.Objects++
	}
	return nil
}

func (s *Server) seedKind(e *Estate, k estateKind, refs *refTable, rep *SeedReport) error {
	for i, body := range k.bodies(e) {
		name, resolved, err := resolveBody(body, k, refs)
		if err != nil {
			return fmt.Errorf("%s[%d]: %w", k.list, i, err)
		}
		id, err := k.seed(s, resolved)
		if err != nil {
			return fmt.Errorf("%s[%d] (%s): %w", k.list, i, name, err)
		}
		refs.define(k.ref, name, id)
		if name != "" {
			rep.IDs[k.ref+":"+name] = id
		}
		*k.count(rep)++
	}
	return nil
}

// resolveBody returns the body's name and the body with references replaced. A
// body without "{{" is passed through untouched (the common case, and cheap).
func resolveBody(body []byte, k estateKind, refs *refTable) (string, []byte, error) {
	doc, err := decodeEstateBody(body)
	if err != nil {
		return "", nil, err
	}
	name := bodyName(doc, k.nameKey)
	if !bytes.Contains(body, []byte("{{")) {
		return name, body, nil
	}
	if _, err := substituteRefs(doc, refs.lookup); err != nil {
		return name, nil, err
	}
	out, err := json.Marshal(doc)
	return name, out, err
}

// policyIDsByName reads the server's policies through the list handler itself
// (no counting, throttling or faults), so references to the default policies
// resolve to whatever ids this workspace gave them.
func (s *Server) policyIDsByName() map[string]string {
	h, ok := s.routes["GET /api/2.0/policies/clusters/list"]
	if !ok {
		return nil
	}
	rec := httptest.NewRecorder()
	h(rec, httptest.NewRequest(http.MethodGet, "/api/2.0/policies/clusters/list", nil))
	var resp struct {
		Policies []struct {
			PolicyID string `json:"policy_id"`
			Name     string `json:"name"`
		} `json:"policies"`
	}
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &resp) != nil {
		return nil
	}
	ids := make(map[string]string, len(resp.Policies))
	for _, p := range resp.Policies {
		ids[p.Name] = p.PolicyID
	}
	return ids
}

//go:embed estates/dr.json
var drEstateJSON []byte

// DREstate is the standby counterpart of SampleEstate, embedded from
// estates/dr.json, for a workspace served with RegionCatalog of another
// region: the sample's warehouses (but adhoc-wh), pipeline and notification
// destinations under the same names, created afresh (so with other ids).
// Each call returns a fresh copy; like SampleEstate it panics if the
// embedded file is broken.
func DREstate() *Estate {
	e, err := LoadEstate(bytes.NewReader(drEstateJSON))
	if err != nil {
		panic("emulator: embedded estates/dr.json: " + err.Error())
	}
	return e
}

// WithoutJobs returns a copy of e without the jobs of those names; e is
// unchanged. (A client that cannot yet copy what a job names — a warehouse,
// a pipeline — seeds its source with the jobs it can copy.)
func (e *Estate) WithoutJobs(names ...string) *Estate {
	out := *e
	out.Jobs = nil
	for _, body := range e.Jobs {
		doc, err := decodeEstateBody(body)
		if err == nil && slices.Contains(names, bodyName(doc, "name")) {
			continue
		}
		out.Jobs = append(out.Jobs, body)
	}
	return &out
}
