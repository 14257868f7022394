package emulator

import (
	"net/http"
	"regexp"
	"slices"
	"strings"
)

// Pipelines (reference part 2 §6): list (filter, max_results, order_by,
// page_token), get, create, edit (PUT, full spec), delete. Nothing runs:
// create does not start an update, and a pipeline stays IDLE.

type pipelineState struct {
	byID  map[string]*pipeline
	order []*pipeline // creation order
}

type pipeline struct {
	id           string
	spec         compDoc // without id; view adds spec.id
	runAs        compDoc
	creator      string
	lastModified int64
}

func newPipelineState() *pipelineState { return &pipelineState{byID: map[string]*pipeline{}} }

func (s *Server) pipelineRoutes() {
	p := "/api/2.0/pipelines"
	s.route(http.MethodGet, p, s.pipelinesList)
	s.route(http.MethodPost, p, s.pipelinesCreate)
	s.route(http.MethodGet, p+"/{id}", s.pipelinesGet)
	s.route(http.MethodPut, p+"/{id}", s.pipelinesEdit)
	s.route(http.MethodDelete, p+"/{id}", s.pipelinesDelete)
}

// SeedPipeline creates a pipeline from a create body and returns its id.
func (s *Server) SeedPipeline(body []byte) (string, error) {
	doc, err := parseDoc(body)
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.createPipeline(doc)
	if err != nil {
		return "", err
	}
	return p.id, nil
}

// pipelineRequestOnly are create/edit fields that are not part of the spec.
var pipelineRequestOnly = []string{"pipeline_id", "id", "dry_run", "allow_duplicate_names", "expected_last_modified", "run_as"}

func pipelineSpecOf(doc compDoc) compDoc {
	spec := doc.clone()
	for _, k := range pipelineRequestOnly {
		delete(spec, k)
	}
	return spec
}

func (s *Server) pipelinesCreate(r *http.Request) (any, error) {
	doc, err := readDoc(r)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if doc["dry_run"] == true {
		spec := pipelineSpecOf(doc)
		if err := s.validatePipeline(spec, doc, ""); err != nil {
			return nil, err
		}
		return compDoc{"effective_settings": spec}, nil
	}
	p, err := s.createPipeline(doc)
	if err != nil {
		return nil, err
	}
	return compDoc{"pipeline_id": p.id, "effective_settings": p.specView()}, nil
}

func (s *Server) createPipeline(doc compDoc) (*pipeline, error) {
	spec := pipelineSpecOf(doc)
	if err := s.validatePipeline(spec, doc, ""); err != nil {
		return nil, err
	}
	runAs, err := doc.obj("run_as")
	if err != nil {
		return nil, err
	}
	p := &pipeline{id: s.newUUID(), spec: spec, runAs: runAs, creator: s.opts.UserName, lastModified: s.now()}
	// No catalog and no storage: the service stores the pipeline in DBFS
	// under its id [FAKE].
	if !spec.has("catalog") && !spec.has("storage") {
		spec["storage"] = "dbfs:/pipelines/" + p.id
	}
	s.pipe.byID[p.id] = p
	s.pipe.order = append(s.pipe.order, p)
	return p, nil
}

func (p *pipeline) specView() compDoc {
	out := p.spec.clone()
	out["id"] = p.id
	return out
}

func (p *pipeline) name() string {
	n, _ := p.spec.str("name")
	return n
}

// runAsUser is who the pipeline runs as: run_as when set, else the creator.
func (p *pipeline) runAsUser() string {
	if v := cmpStr(p.runAs, "user_name", "service_principal_name"); v != "" {
		return v
	}
	return p.creator
}

func cmpStr(d compDoc, keys ...string) string {
	for _, k := range keys {
		if v, _ := d.str(k); v != "" {
			return v
		}
	}
	return ""
}

// view is GetPipelineResponse. run_as is echoed top-level, not in spec [FAKE].
func (p *pipeline) view() compDoc {
	out := compDoc{
		"pipeline_id": p.id, "name": p.name(), "state": "IDLE", "health": "HEALTHY",
		"spec": p.specView(), "creator_user_name": p.creator, "run_as_user_name": p.runAsUser(),
		"last_modified": p.lastModified, "latest_updates": []compDoc{},
	}
	if p.runAs != nil {
		out["run_as"] = p.runAs.clone()
	}
	return out
}

// statusView is one PipelineStateInfo of the list.
func (p *pipeline) statusView() compDoc {
	return compDoc{"pipeline_id": p.id, "name": p.name(), "state": "IDLE", "health": "HEALTHY",
		"creator_user_name": p.creator, "run_as_user_name": p.runAsUser(), "latest_updates": []compDoc{}}
}

func pipelineIDOf(r *http.Request) string {
	return strings.TrimPrefix(cleanURLPath(r.URL.Path), "/api/2.0/pipelines/")
}

// lookupPipeline: 404 with the service's text [FAKE]; the code is [RECALL].
func (s *Server) lookupPipeline(id string) (*pipeline, error) {
	p := s.pipe.byID[id]
	if p == nil {
		return nil, notFound("The specified pipeline %s was not found.", id)
	}
	return p, nil
}

func (s *Server) pipelinesGet(r *http.Request) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.lookupPipeline(pipelineIDOf(r))
	if err != nil {
		return nil, err
	}
	return p.view(), nil
}

// pipelinesEdit replaces the spec; expected_last_modified, when sent, must
// be the pipeline's last_modified [RECALL: 409 RESOURCE_CONFLICT].
func (s *Server) pipelinesEdit(r *http.Request) (any, error) {
	doc, err := readDoc(r)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.lookupPipeline(pipelineIDOf(r))
	if err != nil {
		return nil, err
	}
	if want, ok, _ := doc.num("expected_last_modified"); ok && want != p.lastModified {
		return nil, errorf(http.StatusConflict, "RESOURCE_CONFLICT",
			"The pipeline %s was modified since %d (last modified %d).", p.id, want, p.lastModified)
	}
	spec := pipelineSpecOf(doc)
	if err := s.validatePipeline(spec, doc, p.id); err != nil {
		return nil, err
	}
	if !spec.has("catalog") && !spec.has("storage") {
		spec["storage"] = p.spec["storage"]
	}
	if runAs, err := doc.obj("run_as"); err == nil && runAs != nil {
		p.runAs = runAs
	}
	p.spec, p.lastModified = spec, max(s.now(), p.lastModified+1)
	return nil, nil
}

func (s *Server) pipelinesDelete(r *http.Request) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.lookupPipeline(pipelineIDOf(r))
	if err != nil {
		return nil, err
	}
	delete(s.pipe.byID, p.id)
	s.pipe.order = slices.DeleteFunc(s.pipe.order, func(x *pipeline) bool { return x == p })
	return nil, nil
}

// validatePipeline: a name unique unless allow_duplicate_names, schema xor
// target, a target without dots [FAKE text], at most 25 tags (§3.4).
// Texts other than the target's are [RECALL].
func (s *Server) validatePipeline(spec, req compDoc, self string) error {
	name, err := spec.str("name")
	if err != nil {
		return err
	}
	if req["allow_duplicate_names"] != true && name != "" {
		for _, p := range s.pipe.order {
			if p.id != self && p.name() == name {
				return invalidParam("Pipeline with name '%s' already exists (%s). Set allow_duplicate_names to create another.", name, p.id)
			}
		}
	}
	if spec.has("schema") && spec.has("target") {
		return invalidParam("Only one of schema and target can be specified.")
	}
	if target, _ := spec.str("target"); strings.Contains(target, ".") {
		return invalidParam("CreatePipeline target_schema_name %q is not a valid name. Valid names must contain only alphanumeric characters and underscores, and cannot contain spaces, periods, forward slashes, or control characters.", target)
	}
	if tags, err := spec.obj("tags"); err != nil || len(tags) > 25 {
		if err != nil {
			return err
		}
		return invalidParam("A pipeline can have at most 25 tags, got %d.", len(tags))
	}
	return nil
}

// pipelineFilterRE are the two filter forms the service takes (§6): no
// composites.
var pipelineFilterRE = regexp.MustCompile(`^\s*(notebook\s*=\s*'([^']*)'|name\s+LIKE\s+'([^']*)')\s*$`)

// pipelinesList: max_results default 25, above 100 refused; order_by
// "name asc|desc" or "id asc|desc" (default by id? [RECALL]: creation order).
func (s *Server) pipelinesList(r *http.Request) (any, error) {
	q := r.URL.Query()
	size, err := queryInt64(r, "max_results", 25)
	if err != nil {
		return nil, err
	}
	if size > 100 || size < 1 {
		return nil, invalidParam("max_results must be between 1 and 100, got %d", size) // [RECALL] text
	}
	match, err := pipelineFilter(q.Get("filter"))
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var hits []*pipeline
	for _, p := range s.pipe.order {
		if match(p) {
			hits = append(hits, p)
		}
	}
	if err := sortPipelines(hits, q["order_by"]); err != nil {
		return nil, err
	}
	lo, hi, next, err := tokenPage(r, len(hits), int(size))
	if err != nil {
		return nil, err
	}
	out := make([]compDoc, 0, hi-lo)
	for _, p := range hits[lo:hi] {
		out = append(out, p.statusView())
	}
	resp := compDoc{"statuses": out}
	if next != "" {
		resp["next_page_token"] = next
	}
	return resp, nil
}

func pipelineFilter(f string) (func(*pipeline) bool, error) {
	if strings.TrimSpace(f) == "" {
		return func(*pipeline) bool { return true }, nil
	}
	m := pipelineFilterRE.FindStringSubmatch(f)
	if m == nil {
		return nil, invalidParam("Invalid filter: %s. Supported filters: notebook='<path>' or name LIKE '<pattern>'.", f) // [RECALL] text
	}
	if strings.HasPrefix(strings.TrimSpace(m[1]), "notebook") {
		path := m[2]
		return func(p *pipeline) bool { return pipelineHasNotebook(p, path) }, nil
	}
	like := likeRegexp(m[3])
	return func(p *pipeline) bool { return like.MatchString(p.name()) }, nil
}

// likeRegexp turns a SQL LIKE pattern (% any run, _ one character) into a
// case-insensitive regexp [RECALL: case-insensitive].
func likeRegexp(pattern string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("(?is)^")
	for _, r := range pattern {
		switch r {
		case '%':
			b.WriteString(".*")
		case '_':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}

func pipelineHasNotebook(p *pipeline, path string) bool {
	libs, _ := p.spec.list("libraries")
	for _, l := range libs {
		if strField(asObject(l)["notebook"], "path") == path {
			return true
		}
	}
	return false
}

func sortPipelines(ps []*pipeline, orderBy []string) error {
	if len(orderBy) == 0 {
		return nil
	}
	field, dir, _ := strings.Cut(strings.TrimSpace(strings.ToLower(orderBy[0])), " ")
	key := map[string]func(*pipeline) string{"name": (*pipeline).name, "id": func(p *pipeline) string { return p.id }}[field]
	if key == nil || (dir != "" && dir != "asc" && dir != "desc") {
		return invalidParam("Invalid order_by: %s", orderBy[0]) // [RECALL] text
	}
	slices.SortStableFunc(ps, func(a, b *pipeline) int {
		c := strings.Compare(key(a), key(b))
		if dir == "desc" {
			c = -c
		}
		return c
	})
	return nil
}

// PipelineIDs maps each pipeline's name to its id.
func (s *Server) PipelineIDs() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]string, len(s.pipe.order))
	for _, p := range s.pipe.order {
		out[p.name()] = p.id
	}
	return out
}
