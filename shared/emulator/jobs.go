package emulator

import (
	"cmp"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Jobs API 2.2, and 2.1 which workspaces still serve (reference §2.2). Settings are stored as the JSON documents the
// caller wrote (numbers kept as json.Number, so int64 ids beyond 2^53 survive);
// the server defaults and read-only fields are added when a job is read
// (jobs_defaults.go), so a value the caller set is never overwritten by one.

// Limits the service enforces on job settings.
const (
	jobsMaxTasks = 1000 // "up to 1000 elements in write endpoints"
	jobsMaxTags  = 25
)

// jobsState holds jobs (API 2.2).
type jobsState struct {
	byID map[int64]*job
	seq  int64 // last creation sequence number handed out
}

// job is one stored job.
type job struct {
	id       int64
	seq      int64 // creation order; breaks created_time ties in list order
	created  int64 // epoch ms
	creator  string
	zone     string         // the workspace's default zone, for job clusters without one
	settings map[string]any // as written, minus format and access_control_list
	// acl is the access_control_list sent to jobs/create. It is not part of the
	// settings and never read back through the Jobs API.
	acl any
	// queued: created through 2.2, whose jobs queue runs unless told not to;
	// jobs created through 2.0 or 2.1 do not (jobs-api-2-2-updates).
	queued bool
}

// jobsAPI is what differs between the versions served.
type jobsAPI struct {
	version string
	// paged: tasks, job_clusters, parameters and environments come at most 100
	// per response (2.2); 2.1 returns them whole.
	paged bool
}

var jobsAPIs = []jobsAPI{{version: "2.1"}, {version: "2.2", paged: true}}

func newJobsState() *jobsState { return &jobsState{byID: map[int64]*job{}} }

func (s *Server) jobsRoutes() {
	for _, api := range jobsAPIs {
		p := "/api/" + api.version + "/jobs/"
		s.route(http.MethodGet, p+"list", s.jobsList(api))
		s.route(http.MethodGet, p+"get", s.jobsGet(api))
		s.route(http.MethodPost, p+"create", s.jobsCreate(api))
		s.route(http.MethodPost, p+"reset", s.jobsReset)
		s.route(http.MethodPost, p+"update", s.jobsUpdate)
		s.route(http.MethodPost, p+"delete", s.jobsDelete)
	}
}

// SeedJob creates a job from a jobs/create request body and returns its job_id.
// It applies the same validation as jobs/create but bypasses HTTP, rate limits
// and faults.
func (s *Server) SeedJob(body []byte) (int64, error) {
	doc, err := parseDoc(body)
	if err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.createJob(doc, true)
}

// JobCount returns the number of jobs in the workspace.
func (s *Server) JobCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.jobs.byID)
}

// Page sizes of jobs/list.
const (
	jobsListDefaultLimit = 20
	jobsListMaxLimit     = 100
)

// jobsGet answers a Job (in 2.2 one page of its arrays). A missing job is 400
// INVALID_PARAMETER_VALUE "Job <id> does not exist.", which the SDK maps to
// ErrResourceDoesNotExist on this GET.
func (s *Server) jobsGet(api jobsAPI) handlerFunc {
	return func(r *http.Request) (any, error) {
		id, err := queryInt64(r, "job_id", 0)
		if err != nil {
			return nil, err
		}
		offset, err := decodeGetToken(r.URL.Query().Get("page_token"))
		if err != nil {
			return nil, err
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		j, err := s.lookupJob(id)
		if err != nil {
			return nil, err
		}
		return j.getBody(offset, api.paged), nil
	}
}

// jobsList answers one page of jobs, most recently created first. The last
// page omits next_page_token: the SDK pages exactly while a token is present.
func (s *Server) jobsList(api jobsAPI) handlerFunc {
	return func(r *http.Request) (any, error) {
		q, err := parseListQuery(r)
		if err != nil {
			return nil, err
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.listPage(q, api.paged), nil
	}
}

// listPage is the jobs/list answer for q. Call with s.mu held.
func (s *Server) listPage(q listQuery, paged bool) map[string]any {
	all := s.sortedJobs(q.name)
	lo, hi := q.window(all)
	out := map[string]any{"has_more": hi < len(all)}
	if lo == hi {
		return out // "jobs" is only included when there are jobs to list
	}
	page := make([]any, 0, hi-lo)
	for _, j := range all[lo:hi] {
		page = append(page, j.listBody(q.expandTasks, paged))
	}
	out["jobs"] = page
	if hi < len(all) {
		out["next_page_token"] = encodeListToken(listAfter, all[hi-1])
	}
	if lo > 0 {
		out["prev_page_token"] = encodeListToken(listBefore, all[lo])
	}
	return out
}

// listQuery is a parsed jobs/list request.
type listQuery struct {
	limit, offset int
	name          string
	expandTasks   bool
	token         *listToken // nil on the first page
}

// parseListQuery validates limit (1..100, default 20), offset (>= 0) and page_token.
func parseListQuery(r *http.Request) (listQuery, error) {
	limit, err := queryInt64(r, "limit", jobsListDefaultLimit)
	if err != nil {
		return listQuery{}, err
	}
	if limit < 1 || limit > jobsListMaxLimit {
		return listQuery{}, invalidParam("Invalid limit %d: limit must be greater than 0 and less than or equal to %d.", limit, jobsListMaxLimit)
	}
	offset, err := queryInt64(r, "offset", 0)
	if err != nil {
		return listQuery{}, err
	}
	if offset < 0 {
		return listQuery{}, invalidParam("Invalid offset %d: offset must not be negative.", offset)
	}
	tok, err := decodeListToken(r.URL.Query().Get("page_token"))
	if err != nil {
		return listQuery{}, err
	}
	return listQuery{
		limit: int(limit), offset: int(offset), token: tok,
		name: r.URL.Query().Get("name"), expandTasks: queryBool(r, "expand_tasks"),
	}, nil
}

// window returns the bounds of the requested page within all (sorted newest
// first). A next token resumes strictly after the job it names, a prev token
// ends strictly before it; both work even if that job was deleted meanwhile.
// The deprecated offset is honoured on top of a next token or the first page.
func (q listQuery) window(all []*job) (lo, hi int) {
	if q.token != nil && q.token.dir == listBefore {
		hi = sort.Search(len(all), func(i int) bool { return q.token.key.notOlderThan(all[i]) })
		return max(0, hi-q.limit), hi
	}
	if q.token != nil {
		lo = sort.Search(len(all), func(i int) bool { return q.token.key.newerThan(all[i]) })
	}
	lo = min(lo+q.offset, len(all))
	return lo, min(lo+q.limit, len(all))
}

// sortedJobs returns the jobs named name (exact, case-insensitive; "" means
// all), most recently created first. Call with s.mu held.
func (s *Server) sortedJobs(name string) []*job {
	out := make([]*job, 0, len(s.jobs.byID))
	for _, j := range s.jobs.byID {
		if name == "" || strings.EqualFold(strField(j.settings, "name"), name) {
			out = append(out, j)
		}
	}
	slices.SortFunc(out, func(a, b *job) int {
		return cmp.Or(cmp.Compare(b.created, a.created), cmp.Compare(b.seq, a.seq))
	})
	return out
}

// jobsCreate answers {"job_id": N}.
func (s *Server) jobsCreate(api jobsAPI) handlerFunc {
	return func(r *http.Request) (any, error) {
		doc, err := readDoc(r)
		if err != nil {
			return nil, err
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		id, err := s.createJob(doc, api.paged)
		if err != nil {
			return nil, err
		}
		return map[string]any{"job_id": id}, nil
	}
}

// createJob validates and stores a jobs/create body; queued says whether runs
// queue by default (created through 2.2). Call with s.mu held.
func (s *Server) createJob(doc map[string]any, queued bool) (int64, error) {
	acl := doc["access_control_list"]
	settings := writableSettings(doc)
	if err := s.checkJobSettings(settings); err != nil {
		return 0, err
	}
	id := s.newJobID()
	for s.jobs.byID[id] != nil {
		id = s.newJobID()
	}
	s.jobs.seq++
	s.jobs.byID[id] = &job{
		id: id, seq: s.jobs.seq, created: s.now(), creator: s.opts.UserName, zone: s.cat.cat.DefaultZone,
		settings: settings, acl: acl, queued: queued,
	}
	return id, nil
}

// jobsReset replaces a job's settings. Omitting run_as keeps the previous
// identity: a known quirk of the real service (reference §2.2).
func (s *Server) jobsReset(r *http.Request) (any, error) {
	return withLocked(s, r, s.jobIn, func(doc compDoc, j *job) (any, error) {
		newSettings, ok := doc["new_settings"].(map[string]any)
		if !ok {
			return nil, invalidParam("Missing required field: new_settings")
		}
		settings := writableSettings(newSettings)
		if _, set := settings["run_as"]; !set && j.settings["run_as"] != nil {
			settings["run_as"] = j.settings["run_as"]
		}
		return nil, s.setJobSettings(j, settings)
	})
}

// jobsUpdate applies a partial update: fields_to_remove first, then
// new_settings (top-level fields replaced, tasks and job_clusters merged by key).
func (s *Server) jobsUpdate(r *http.Request) (any, error) {
	return withLocked(s, r, s.jobIn, func(doc compDoc, j *job) (any, error) {
		remove, err := stringList(doc["fields_to_remove"], "fields_to_remove")
		if err != nil {
			return nil, err
		}
		settings := cloneValue(j.settings).(map[string]any)
		if err := removeJobFields(settings, remove); err != nil {
			return nil, err
		}
		if newSettings, ok := doc["new_settings"].(map[string]any); ok {
			mergeJobSettings(settings, writableSettings(newSettings))
		}
		return nil, s.setJobSettings(j, settings)
	})
}

// setJobSettings validates settings and makes them j's.
func (s *Server) setJobSettings(j *job, settings map[string]any) error {
	if err := s.checkJobSettings(settings); err != nil {
		return err
	}
	j.settings = settings
	return nil
}

// jobsDelete removes a job.
func (s *Server) jobsDelete(r *http.Request) (any, error) {
	return withLocked(s, r, s.jobIn, func(_ compDoc, j *job) (any, error) {
		delete(s.jobs.byID, j.id)
		return nil, nil
	})
}

// jobIn finds the job a write body names by job_id.
func (s *Server) jobIn(doc compDoc) (*job, error) {
	id, err := jobIDField(doc)
	if err != nil {
		return nil, err
	}
	return s.lookupJob(id)
}

// lookupJob returns the job or the service's legacy not-found error: 400
// INVALID_PARAMETER_VALUE "Job <id> does not exist." The SDK turns that into
// ErrResourceDoesNotExist on GET jobs/get only (its message regex override), so
// the exact text matters. Call with s.mu held.
func (s *Server) lookupJob(id int64) (*job, error) {
	j := s.jobs.byID[id]
	if j == nil {
		return nil, invalidParam("Job %d does not exist.", id)
	}
	return j, nil
}

// writableSettings copies the settings fields of a create body or new_settings,
// dropping what is not stored: access_control_list (not a setting) and format
// ("ignored in Create/Update/Reset calls"; always MULTI_TASK on read).
func writableSettings(doc map[string]any) map[string]any {
	out := cloneValue(doc).(map[string]any)
	delete(out, "access_control_list")
	delete(out, "format")
	return out
}

// mergeJobSettings applies a jobs/update new_settings onto settings.
func mergeJobSettings(settings, update map[string]any) {
	for key, v := range update {
		switch key {
		case "tasks":
			settings[key] = mergeByKey(settings[key], v, "task_key")
		case "job_clusters":
			settings[key] = mergeByKey(settings[key], v, "job_cluster_key")
		default:
			settings[key] = v
		}
	}
}

// mergeByKey replaces the entries of old whose key matches an entry of update
// (in place, keeping their position) and appends the rest.
func mergeByKey(old, update any, key string) []any {
	out, _ := old.([]any)
	index := map[string]int{}
	for i, e := range out {
		index[strField(e, key)] = i
	}
	items, _ := update.([]any)
	for _, e := range items {
		if i, ok := index[strField(e, key)]; ok {
			out[i] = e
			continue
		}
		index[strField(e, key)] = len(out)
		out = append(out, e)
	}
	return out
}

// removeJobFields applies fields_to_remove: top-level names, or "tasks/<key>"
// and "job_clusters/<key>". Other nested paths are refused, as the API says
// "removing nested fields is not supported". Removing something absent is a no-op.
func removeJobFields(settings map[string]any, fields []string) error {
	for _, f := range fields {
		top, key, nested := strings.Cut(f, "/")
		switch {
		case !nested:
			delete(settings, f)
		case top == "tasks":
			settings[top] = withoutKey(settings[top], "task_key", key)
		case top == "job_clusters":
			settings[top] = withoutKey(settings[top], "job_cluster_key", key)
		default:
			return invalidParam("Cannot remove nested field %s: only tasks/<task_key> and job_clusters/<job_cluster_key> can be removed", f)
		}
	}
	return nil
}

// withoutKey returns list minus the entries whose key field equals value.
func withoutKey(list any, key, value string) []any {
	items, _ := list.([]any)
	out := make([]any, 0, len(items))
	for _, e := range items {
		if strField(e, key) != value {
			out = append(out, e)
		}
	}
	return out
}

// jobIDField reads the int64 job_id of a write request; absent reads as 0,
// which then does not exist (the SDK always sends job_id, even when zero).
func jobIDField(doc map[string]any) (int64, error) {
	switch v := doc["job_id"].(type) {
	case nil:
		return 0, nil
	case json.Number:
		if id, err := strconv.ParseInt(v.String(), 10, 64); err == nil {
			return id, nil
		}
	case string:
		if id, err := strconv.ParseInt(v, 10, 64); err == nil {
			return id, nil
		}
	}
	return 0, invalidParam("Invalid value for job_id: %v is not an int64", doc["job_id"])
}

// stringList reads an optional JSON array of strings.
func stringList(v any, name string) ([]string, error) {
	if v == nil {
		return nil, nil
	}
	items, ok := v.([]any)
	out := make([]string, 0, len(items))
	for _, item := range items {
		s, isString := item.(string)
		if !isString {
			ok = false
			break
		}
		out = append(out, s)
	}
	if !ok {
		return nil, errorf(http.StatusBadRequest, "MALFORMED_REQUEST", "Could not parse request object: %s must be an array of strings", name)
	}
	return out, nil
}

// objectList returns the JSON objects of an array (non-objects are skipped).
func objectList(v any) []map[string]any {
	items, _ := v.([]any)
	out := make([]map[string]any, 0, len(items))
	for _, item := range items {
		if m, ok := item.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

// strField returns obj[key] when obj is a JSON object and the value a string.
func strField(obj any, key string) string {
	m, _ := obj.(map[string]any)
	s, _ := m[key].(string)
	return s
}

// Page tokens. Both are opaque to clients, as the service's are.
//
// jobs/list tokens name the last (or, for prev_page_token, the first) job of
// the page by its position in the list order, (created_time, creation
// sequence), rather than by an offset: a job created or deleted between two
// requests then neither shifts nor repeats the remaining pages, and the token
// stays valid even when the job it names is deleted. The creation sequence is
// used instead of job_id because ids are random while creation order is
// "most recently created first".
//
// jobs/get tokens carry the array offset of the next page.

// listDir says which way a list token pages.
type listDir string

const (
	listAfter  listDir = "a" // next page: jobs older than the key
	listBefore listDir = "b" // previous page: jobs newer than the key
)

// listKey is a job's position in the list order.
type listKey struct{ created, seq int64 }

// newerThan reports whether k sorts before j (k is more recent).
func (k listKey) newerThan(j *job) bool {
	return k.created > j.created || (k.created == j.created && k.seq > j.seq)
}

// notOlderThan reports whether k sorts before j or is j's own key.
func (k listKey) notOlderThan(j *job) bool {
	return k.newerThan(j) || k == listKey{created: j.created, seq: j.seq}
}

type listToken struct {
	dir listDir
	key listKey
}

func encodeListToken(dir listDir, j *job) string {
	raw := fmt.Sprintf("%s:%d:%d", dir, j.created, j.seq)
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

// decodeListToken parses a jobs/list page_token; "" is the first page (nil).
func decodeListToken(tok string) (*listToken, error) {
	if tok == "" {
		return nil, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	parts := strings.Split(string(raw), ":")
	if err != nil || len(parts) != 3 || (parts[0] != string(listAfter) && parts[0] != string(listBefore)) {
		return nil, invalidParam("Invalid page_token: %q", tok)
	}
	created, err1 := strconv.ParseInt(parts[1], 10, 64)
	seq, err2 := strconv.ParseInt(parts[2], 10, 64)
	if err1 != nil || err2 != nil {
		return nil, invalidParam("Invalid page_token: %q", tok)
	}
	return &listToken{dir: listDir(parts[0]), key: listKey{created: created, seq: seq}}, nil
}

func encodeGetToken(offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("o:" + strconv.Itoa(offset)))
}

// decodeGetToken parses a jobs/get page_token into an array offset; "" is 0.
func decodeGetToken(tok string) (int, error) {
	if tok == "" {
		return 0, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	n, ok := strings.CutPrefix(string(raw), "o:")
	offset, err2 := strconv.Atoi(n)
	if err != nil || !ok || err2 != nil || offset < 0 {
		return 0, invalidParam("Invalid page_token: %q", tok)
	}
	return offset, nil
}
