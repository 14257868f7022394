package emulator

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// Workspace SCIM 2.0 (reference part 2 §2): Users, Groups and
// ServicePrincipals, list (filter, attributes, excludedAttributes,
// startIndex, count) and get by id, plus Me. Errors on these paths have the
// RFC 7644 shape (§0), which the SDK turns into SCIM_<status>.

const scimPrefix = "/api/2.0/preview/scim/v2/"

func (s *Server) identityRoutes() {
	s.route(http.MethodGet, scimPrefix+"Me", s.scimMe)
	for _, res := range []struct{ path, kind string }{{"Users", "user"}, {"Groups", "group"}, {"ServicePrincipals", "sp"}} {
		s.route(http.MethodGet, scimPrefix+res.path, s.scimList(res.kind))
		s.route(http.MethodGet, scimPrefix+res.path+"/{id}", s.scimGet(res.kind))
	}
}

// scimMe is the token's user (CurrentUser.Me; the SDK's CurrentWorkspaceID
// reads X-Databricks-Org-Id from the answer).
func (s *Server) scimMe(*http.Request) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.scim.view(s.scim.byID[computeUserID]), nil
}

// scimError is an RFC 7644 error: the body is
// {"schemas":[…Error],"detail","status","scimType"}.
func scimError(status int, scimType, detail string) *apiError {
	return &apiError{Status: status, Message: detail, scimType: scimType, scim: true}
}

// scimBody is the wire shape of a SCIM error.
func (e *apiError) scimBody() compDoc {
	out := compDoc{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:Error"},
		"detail": e.Message, "status": strconv.Itoa(e.Status)}
	if e.scimType != "" {
		out["scimType"] = e.scimType
	}
	return out
}

var scimKindNames = map[string]string{"user": "User", "group": "Group", "sp": "Service principal"}

func (s *Server) scimGet(kind string) handlerFunc {
	return func(r *http.Request) (any, error) {
		id := r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]
		s.mu.Lock()
		defer s.mu.Unlock()
		p := s.scim.byID[id]
		if p == nil || p.kind != kind {
			// [RECALL] detail text; the reference has only the 404 status.
			return nil, scimError(http.StatusNotFound, "", scimKindNames[kind]+" with id "+id+" not found.")
		}
		return projectSCIM(s.scim.view(p), r), nil
	}
}

// scimList answers one page. The SDK forces startIndex=1, sends count
// (default 10000) and asks for startIndex+len(Resources) until a page has no
// Resources (§2.3): so a page past the end is empty and has no Resources.
func (s *Server) scimList(kind string) handlerFunc {
	return func(r *http.Request) (any, error) {
		q, err := parseSCIMQuery(r)
		if err != nil {
			return nil, err
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		var hits []*principal
		for _, p := range s.scim.ofKind(kind) {
			if q.filter.match(p.doc) {
				hits = append(hits, p)
			}
		}
		return s.scimPage(hits, q, r), nil
	}
}

func (st *scimState) ofKind(kind string) []*principal {
	switch kind {
	case "user":
		return st.users
	case "group":
		return st.groups
	}
	return st.sps
}

func (s *Server) scimPage(hits []*principal, q scimQuery, r *http.Request) compDoc {
	lo := min(q.start-1, len(hits))
	hi := min(lo+q.count, len(hits))
	out := compDoc{
		"schemas":      []string{"urn:ietf:params:scim:api:messages:2.0:ListResponse"},
		"totalResults": len(hits), "startIndex": q.start, "itemsPerPage": hi - lo,
	}
	if hi > lo {
		page := make([]compDoc, 0, hi-lo)
		for _, p := range hits[lo:hi] {
			page = append(page, projectSCIM(s.scim.view(p), r))
		}
		out["Resources"] = page
	}
	return out
}

// scimQuery is a parsed list request.
type scimQuery struct {
	filter       scimFilter
	start, count int
}

func parseSCIMQuery(r *http.Request) (scimQuery, error) {
	q := scimQuery{start: 1, count: 10000}
	vals := r.URL.Query()
	for name, dst := range map[string]*int{"startIndex": &q.start, "count": &q.count} {
		if v := vals.Get(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				return q, scimError(http.StatusBadRequest, "invalidValue", name+" must be an integer")
			}
			*dst = n
		}
	}
	q.start = max(q.start, 1) // RFC 7644 §3.4.2.4: below 1 is read as 1
	q.count = max(q.count, 0)
	f, err := parseSCIMFilter(vals.Get("filter"))
	q.filter = f
	return q, err
}

// projectSCIM applies attributes / excludedAttributes (top-level names,
// case-insensitive); id and schemas are always returned.
func projectSCIM(doc compDoc, r *http.Request) compDoc {
	vals := r.URL.Query()
	if attrs := splitAttrs(vals.Get("attributes")); len(attrs) > 0 {
		for k := range doc {
			if k != "id" && k != "schemas" && !slices.Contains(attrs, strings.ToLower(k)) {
				delete(doc, k)
			}
		}
	}
	for _, k := range splitAttrs(vals.Get("excludedAttributes")) {
		for key := range doc {
			if strings.ToLower(key) == k && key != "id" && key != "schemas" {
				delete(doc, key)
			}
		}
	}
	return doc
}

func splitAttrs(v string) []string {
	if v == "" {
		return nil
	}
	parts := strings.Split(strings.ToLower(v), ",")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts
}
