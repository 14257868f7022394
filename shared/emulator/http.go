package emulator

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// apiError is the JSON error body the service returns: {"error_code","message"}.
type apiError struct {
	Status  int    `json:"-"`
	Code    string `json:"error_code"`
	Message string `json:"message"`
	// scim marks an RFC 7644 error (SCIM endpoints), written with scimBody;
	// scimType is its optional scimType.
	scim     bool
	scimType string
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

func errorf(status int, code, format string, args ...any) *apiError {
	return &apiError{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// Error shapes shared by several families.
func invalidParam(format string, args ...any) *apiError {
	return errorf(http.StatusBadRequest, "INVALID_PARAMETER_VALUE", format, args...)
}

func notFound(format string, args ...any) *apiError {
	return errorf(http.StatusNotFound, "RESOURCE_DOES_NOT_EXIST", format, args...)
}

func alreadyExists(format string, args ...any) *apiError {
	return errorf(http.StatusBadRequest, "RESOURCE_ALREADY_EXISTS", format, args...)
}

func invalidState(format string, args ...any) *apiError {
	return errorf(http.StatusBadRequest, "INVALID_STATE", format, args...)
}

// handlerFunc is what every endpoint implements: it returns the response body to
// encode as JSON with 200, or an *apiError.
type handlerFunc func(r *http.Request) (any, error)

// route registers fn for the exact method and path. Routes are exact, as the
// service's are: anything else answers 404 ENDPOINT_NOT_FOUND.
func (s *Server) route(method, path string, fn handlerFunc) {
	s.routes[method+" "+path] = func(w http.ResponseWriter, r *http.Request) {
		body, err := fn(r)
		if err != nil {
			writeError(w, err)
			return
		}
		if raw, ok := body.(rawBody); ok {
			w.Header().Set("Content-Type", raw.contentType)
			_, _ = w.Write(raw.data)
			return
		}
		writeJSON(w, http.StatusOK, body)
	}
}

// rawBody is returned by handlers that answer with bytes rather than JSON
// (workspace export with direct_download=true).
type rawBody struct {
	contentType string
	data        []byte
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	if v == nil {
		v = struct{}{} // the SDK accepts {} for void calls; never an empty 200
	}
	data, err := json.Marshal(v)
	if err != nil {
		writeError(w, errorf(http.StatusInternalServerError, "INTERNAL_ERROR", "encode response: %v", err))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(data)
}

func writeError(w http.ResponseWriter, err error) {
	ae, ok := err.(*apiError)
	if !ok {
		ae = errorf(http.StatusInternalServerError, "INTERNAL_ERROR", "%v", err)
	}
	if ae.scim {
		writeJSON(w, ae.Status, ae.scimBody())
		return
	}
	writeJSON(w, ae.Status, ae)
}

// Handler is the emulator's http.Handler: org-id header, panic guard, request
// counting, auth, injected latency and faults, rate limits, then the route.
func (s *Server) Handler() http.Handler {
	return http.HandlerFunc(s.serve)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Databricks-Org-Id", strconv.FormatInt(s.opts.WorkspaceID, 10))
	defer func() {
		if p := recover(); p != nil {
			writeError(w, errorf(http.StatusInternalServerError, "INTERNAL_ERROR", "internal error: %v", p))
		}
	}()
	s.inFlight.Add(1)
	defer s.inFlight.Add(-1)
	endpoint := endpointOf(r)
	s.count.add(endpoint)
	if !s.public[endpoint] && !s.authorized(w, r) {
		return
	}
	if d := time.Duration(s.latency.Load()); d > 0 && !sleepCtx(r, d) {
		return
	}
	handled, dropAfter := s.fault.apply(w, r, endpoint)
	if handled {
		return
	}
	h, ok := s.routes[endpoint]
	if !ok {
		h, ok = s.routes[paramEndpoint(endpoint)]
	}
	if !ok {
		h, ok = s.routes[verbParamEndpoint(endpoint)]
	}
	if !ok {
		writeError(w, noEndpoint(r))
		return
	}
	if wait, ok := s.limit.allow(endpoint); !ok {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
		writeError(w, errorf(http.StatusTooManyRequests, "REQUEST_LIMIT_EXCEEDED",
			"Rate limit exceeded for %s. Please retry later.", endpoint))
		return
	}
	if dropAfter {
		h(discard{header: http.Header{}}, r)
		dropConnection(w)
		return
	}
	h(w, r)
}

// tailParam ends a route whose last parameter is the rest of the URL path,
// slashes included (a workspace path).
const tailParam = "{path...}"

// tailRoutes are the endpoints registered with tailParam, without it.
var tailRoutes = []string{http.MethodPost + " " + wsImportFilePrefix}

// endpointOf is the endpoint a request is counted, limited and routed as:
// "METHOD /path", or a tail route's pattern, so that every path written
// through it is one endpoint.
func endpointOf(r *http.Request) string {
	endpoint := r.Method + " " + cleanURLPath(r.URL.Path)
	for _, prefix := range tailRoutes {
		if len(endpoint) > len(prefix) && strings.HasPrefix(endpoint, prefix) {
			return prefix + tailParam
		}
	}
	return endpoint
}

// noEndpoint is the answer for a path no route serves: SCIM's error shape
// under /preview/scim (reference part 2 §0), ENDPOINT_NOT_FOUND elsewhere.
func noEndpoint(r *http.Request) *apiError {
	if strings.HasPrefix(r.URL.Path, scimPrefix) {
		return scimError(http.StatusNotFound, "", fmt.Sprintf("No API found for '%s %s'", r.Method, r.URL.Path))
	}
	return errorf(http.StatusNotFound, "ENDPOINT_NOT_FOUND", "No API found for '%s %s'", r.Method, r.URL.Path)
}

// paramEndpoint is endpoint with its last segment as the {id} path parameter
// ("GET /api/2.0/repos/{id}"), the form such routes are registered under.
func paramEndpoint(endpoint string) string {
	i := strings.LastIndexByte(endpoint, '/')
	return endpoint[:i+1] + "{id}"
}

// verbParamEndpoint is endpoint with its second-to-last segment as the {id}
// path parameter ("POST /api/2.0/sql/warehouses/{id}/edit").
func verbParamEndpoint(endpoint string) string {
	i := strings.LastIndexByte(endpoint, '/')
	j := strings.LastIndexByte(endpoint[:max(i, 0)], '/')
	if j < 0 {
		return endpoint
	}
	return endpoint[:j+1] + "{id}" + endpoint[i:]
}

// cleanURLPath drops a trailing slash so "/api/2.0/repos/" routes like "/api/2.0/repos".
func cleanURLPath(p string) string {
	if len(p) > 1 {
		p = strings.TrimRight(p, "/")
	}
	return p
}

// authorized accepts the personal access token and live OAuth tokens; the
// answer otherwise is the service's: 401 without a token or with an expired
// one, 403 for a token it does not know.
func (s *Server) authorized(w http.ResponseWriter, r *http.Request) bool {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if ok && token != "" && token == s.Token() {
		return true
	}
	state := s.oauth.check(token, s.now())
	switch {
	case !ok || token == "":
		writeError(w, errorf(http.StatusUnauthorized, "UNAUTHENTICATED",
			"Credential was not sent or was of an unsupported type for this API."))
	case state == tokenExpired:
		writeError(w, errorf(http.StatusUnauthorized, "UNAUTHENTICATED", "Token is expired."))
	case state == tokenUnknown:
		writeError(w, errorf(http.StatusForbidden, "PERMISSION_DENIED", "Invalid access token."))
	}
	return state == tokenValid
}

// sleepCtx waits d or until the client goes away; false means it went away.
func sleepCtx(r *http.Request, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}

// withLocked is the prologue of the write handlers: decode the body as a JSON
// object, then with s.mu held find the object it names (find answers the
// service's not-found error) and run fn on it.
func withLocked[T any](s *Server, r *http.Request, find func(compDoc) (T, error), fn func(compDoc, T) (any, error)) (any, error) {
	doc, err := readDoc(r)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	obj, err := find(doc)
	if err != nil {
		return nil, err
	}
	return fn(doc, obj)
}

// queryInt64 reads an optional integer query parameter; absent gives def.
func queryInt64(r *http.Request, name string, def int64) (int64, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, invalidParam("Invalid value for parameter %s: %q is not an integer", name, v)
	}
	return n, nil
}

// queryBool reads an optional boolean query parameter ("true"/"false").
func queryBool(r *http.Request, name string) bool {
	v, _ := strconv.ParseBool(r.URL.Query().Get(name))
	return v
}
