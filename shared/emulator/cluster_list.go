package emulator

import (
	"cmp"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

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

// API 2.0 lists in one response, without paging or filters: every pinned and
// every active cluster, plus the most recently terminated ones of the last 30
// days, at most 200 all-purpose and 30 job clusters (the 2.0 API reference).
const (
	v20TerminatedAllPurpose = 200
	v20TerminatedJob        = 30
)

func (s *Server) clustersListV20(*http.Request) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rows := s.listedClusters(clusterListQuery{})
	kept := v20RecentlyTerminated(rows)
	var views []compDoc
	for _, c := range rows {
		if c.state != clusterTerminated || c.pinned || kept[c] {
			views = append(views, s.clusterView(c))
		}
	}
	if len(views) == 0 {
		return compDoc{}, nil
	}
	return compDoc{"clusters": views}, nil
}

// v20RecentlyTerminated picks the unpinned terminated clusters the 2.0 list
// shows: the most recently terminated, up to its limit per kind.
func v20RecentlyTerminated(rows []*clusterRec) map[*clusterRec]bool {
	var done []*clusterRec
	for _, c := range rows {
		if c.state == clusterTerminated && !c.pinned {
			done = append(done, c)
		}
	}
	slices.SortStableFunc(done, func(a, b *clusterRec) int { return cmp.Compare(b.terminatedTime, a.terminatedTime) })
	budget := map[bool]int{false: v20TerminatedAllPurpose, true: v20TerminatedJob}
	kept := map[*clusterRec]bool{}
	for _, c := range done {
		if job := c.source == "JOB"; budget[job] > 0 {
			budget[job]--
			kept[c] = true
		}
	}
	return kept
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
	size, err := strconv.Atoi(cmp.Or(v.Get("page_size"), "0"))
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
