package auditlog

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/drsync/drsync/shared/connect"
	"github.com/drsync/drsync/shared/resource/kinds"
)

// Path is the Key kind of a workspace path whose kind the record does not
// tell (the workspace and workspaceFiles services log files and notebooks
// alike): "whatever is at this path" in the source, a notebook, a file or a
// directory (meaning its subtree). The engine resolves it with get-status; a
// path missing in the source means: delete what drsync manages there.
const Path = "path"

// Key names one object an incremental sync must reconcile: a kind from
// package kinds (or Path) and the object's key in the source workspace — its
// path without the /Workspace prefix, or its source id. A directory key stands
// for the directory and its whole subtree.
type Key struct {
	Kind string `json:"kind"`
	Key  string `json:"key"`
}

// Class is what a record means for drsync.
type Class uint8

// Classes. Every record gets exactly one; only Relevant records carry keys.
const (
	// Relevant: the record changed objects drsync copies; its keys say which.
	Relevant Class = iota
	// Unresolved: the record changed an object drsync copies but names no
	// usable key (a create without the new id in its result, a path missing).
	// Only a full sync catches this change.
	Unresolved
	// Ignored: reads, runs, ACL and state changes, services drsync does not
	// copy, job clusters.
	Ignored
	// Unknown: an action with no rule in a service drsync copies. Ignored,
	// counted apart so a new kind of event is noticed.
	Unknown
	// Failed: statusCode is not 200, so nothing changed.
	Failed
	// Own: drsync's own write (its User-Agent), which must not trigger a sync.
	Own
	// Foreign: another workspace's record.
	Foreign
)

var classNames = [...]string{"relevant", "unresolved", "ignored", "unknown", "failed", "own", "foreign"}

func (c Class) String() string {
	if int(c) < len(classNames) {
		return classNames[c]
	}
	return "class(" + strconv.Itoa(int(c)) + ")"
}

// MarshalText writes the class's name, so JSON and slog show "own", not 5.
func (c Class) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// Options configure classification.
type Options struct {
	// SourceWorkspaceID, when set, makes records of any other workspace
	// (by workspaceId, else orgId) Foreign. Records carrying neither id are
	// kept: the object's S3 partition already routed them.
	SourceWorkspaceID string
}

// Classify says what rec means and which keys it names: first Foreign (when
// a source workspace is configured), then Own, then Failed, then the event
// tables (see Map).
func (o Options) Classify(rec *Record) ([]Key, Class) {
	if o.SourceWorkspaceID != "" {
		if ws := rec.Workspace(); ws != "" && ws != o.SourceWorkspaceID {
			return nil, Foreign
		}
	}
	return Map(rec)
}

// Map maps a record to the keys it names, by the event tables of the
// reference (databricks-api.md §5.3). Records sent by drsync itself are Own
// and records whose statusCode is not 200 are Failed, whatever their event.
// A move or rename names both the old key (to delete) and the new one (to
// create), old first.
func Map(rec *Record) ([]Key, Class) {
	switch {
	case isOwn(rec.UserAgent):
		return nil, Own
	case rec.StatusCode != 200:
		return nil, Failed
	}
	service := strings.ToLower(rec.ServiceName)
	action := strings.ToLower(rec.ActionName)
	if r, ok := rules[service+"/"+action]; ok {
		return r(rec)
	}
	if !copiedServices[service] || isACL(action) {
		return nil, Ignored
	}
	return nil, Unknown
}

// ownToken starts the User-Agent product token of drsync's SDK clients
// ("drsync/<version> databricks-sdk-go/…", see connect.setProduct).
var ownToken = connect.Product + "/"

// isOwn reports whether a User-Agent carries drsync's product token.
func isOwn(ua string) bool {
	for tok := range strings.FieldsSeq(ua) {
		if len(tok) > len(ownToken) && strings.EqualFold(tok[:len(ownToken)], ownToken) {
			return true
		}
	}
	return false
}

// isACL matches the generic permission-change actions (change…Acl,
// changePermissions, transferObjectOwnership) in any service: drsync does
// not copy permissions yet.
func isACL(action string) bool {
	return (strings.HasPrefix(action, "change") && strings.HasSuffix(action, "acl")) ||
		action == "changepermissions" || action == "transferobjectownership"
}

// rule maps one event to keys.
type rule func(*Record) ([]Key, Class)

// ignore is the rule of events that change nothing drsync copies.
func ignore(*Record) ([]Key, Class) { return nil, Ignored }

// named returns Relevant with ks, or Unresolved when a key could not be built.
func named(ks ...Key) ([]Key, Class) {
	for _, k := range ks {
		if k.Key == "" {
			return nil, Unresolved
		}
	}
	return ks, Relevant
}

// param returns the first of names present in rec's parameters.
func param(rec *Record, names ...string) string {
	for _, n := range names {
		if v, ok := rec.Param(n); ok && v != "" {
			return v
		}
	}
	return ""
}

// byParam maps an event naming one object by an id parameter.
func byParam(kind string, names ...string) rule {
	return func(rec *Record) ([]Key, Class) { return named(Key{kind, param(rec, names...)}) }
}

// byResult maps a create whose new id is only in response.result.
func byResult(kind string, names ...string) rule {
	return func(rec *Record) ([]Key, Class) { return named(Key{kind, resultID(rec.Result, names...)}) }
}

// resultID reads the first of names from a result document, without regard
// to case; numbers keep every digit (job ids exceed float64 precision).
func resultID(result string, names ...string) string {
	dec := json.NewDecoder(strings.NewReader(result))
	dec.UseNumber()
	var doc map[string]any
	if dec.Decode(&doc) != nil {
		return ""
	}
	for _, n := range names {
		for k, v := range doc {
			if strings.EqualFold(k, n) {
				return plainValue(v)
			}
		}
	}
	return ""
}

func plainValue(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case json.Number:
		return t.String()
	}
	return ""
}

// cleanPath makes a workspace path a source key: the /Workspace prefix
// dropped (paths arrive with and without it), no trailing slash. A path that
// is not absolute gives "" (unresolved).
func cleanPath(p string) string {
	p = strings.TrimSpace(p)
	if rest, ok := strings.CutPrefix(p, "/Workspace"); ok && (rest == "" || rest[0] == '/') {
		p = rest
		if p == "" {
			p = "/"
		}
	}
	if !strings.HasPrefix(p, "/") {
		return ""
	}
	for len(p) > 1 && strings.HasSuffix(p, "/") {
		p = p[:len(p)-1]
	}
	return p
}

// joinPath joins a parent path and a name; "" when either is missing.
func joinPath(parent, name string) string {
	parent = cleanPath(parent)
	if parent == "" || name == "" || strings.Contains(name, "/") {
		return ""
	}
	if parent == "/" {
		return "/" + name
	}
	return parent + "/" + name
}

// assetKind is the kind of a notebook-service object: the notebook service
// also logs workspace files, marked assetType "file".
func assetKind(rec *Record) string {
	switch t, _ := rec.Param("assetType"); {
	case t == "" || strings.EqualFold(t, "notebook"):
		return kinds.Notebook
	case strings.EqualFold(t, "file"):
		return kinds.File
	default:
		return Path
	}
}

// objectAt maps a notebook-service event naming one object by path.
func objectAt(names ...string) rule {
	return func(rec *Record) ([]Key, Class) {
		return named(Key{assetKind(rec), cleanPath(param(rec, names...))})
	}
}

// at maps an event naming one object of a fixed kind by path.
func at(kind string, names ...string) rule {
	return func(rec *Record) ([]Key, Class) { return named(Key{kind, cleanPath(param(rec, names...))}) }
}

// moved maps a move: the old key and the new one. Kind "" means assetKind.
func moved(kind string, oldName, newName string) rule {
	return func(rec *Record) ([]Key, Class) {
		k := kind
		if k == "" {
			k = assetKind(rec)
		}
		return named(Key{k, cleanPath(param(rec, oldName))}, Key{k, cleanPath(param(rec, newName))})
	}
}

// renamed maps renameNotebook: parentPath/oldName → parentPath/newName.
func renamed(rec *Record) ([]Key, Class) {
	parent, k := param(rec, "parentPath"), assetKind(rec)
	return named(Key{k, joinPath(parent, param(rec, "oldName"))}, Key{k, joinPath(parent, param(rec, "newName"))})
}

// jobClusterSources are cluster_source values of clusters that drsync never
// copies (launched for job runs, pipelines, SQL).
var jobClusterSources = map[string]bool{"JOB": true, "PIPELINE": true, "PIPELINE_MAINTENANCE": true, "SQL": true, "MODELS": true}

// clusterCreate maps clusters/create, skipping clusters launched for job runs
// (created by System-User, or marked by cluster_source / cluster_creator).
func clusterCreate(rec *Record) ([]Key, Class) {
	if strings.EqualFold(rec.UserEmail, "System-User") ||
		jobClusterSources[strings.ToUpper(param(rec, "cluster_source"))] ||
		strings.EqualFold(param(rec, "cluster_creator"), "JOB_LAUNCHER") {
		return nil, Ignored
	}
	return byResult(kinds.Cluster, "cluster_id", "clusterId")(rec)
}
