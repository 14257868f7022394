package auditlog

import (
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/drsync/drsync/shared/config"
)

// Key names one object an incremental sync must reconcile: a kind (or
// resource.KindPath, whatever is at a path) and the object's key in the
// source workspace — its path without the /Workspace prefix, or its source
// id. A folder key stands for the folder and its whole subtree.
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
	// Events are the event tables of the kinds drsync copies (the kind
	// adapters declare them); with none, every record is Ignored.
	Events *Table
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
	return o.Events.Map(rec)
}

// Rule maps one audited event to the keys it names and its class.
type Rule func(*Record) ([]Key, Class)

// Events is one kind's event table: lower-case "service/action" → Rule.
type Events map[string]Rule

// Table is every kind's event table in one, and the services they cover.
type Table struct {
	rules    map[string]Rule
	services map[string]bool
}

// NewTable merges event tables. A service is copied when any table names
// one of its actions: its other actions are then Unknown, not Ignored.
func NewTable(tables ...Events) *Table {
	t := &Table{rules: map[string]Rule{}, services: map[string]bool{}}
	for _, events := range tables {
		for name, r := range events {
			t.rules[name] = r
			service, _, _ := strings.Cut(name, "/")
			t.services[service] = true
		}
	}
	return t
}

// Names lists the events the table has a rule for, sorted.
func (t *Table) Names() []string {
	if t == nil {
		return nil
	}
	return slices.Sorted(maps.Keys(t.rules))
}

// Map maps a record to the keys it names, by the event tables of the
// reference (databricks-api.md §5.3). Records sent by drsync itself are Own
// and records whose statusCode is not 200 are Failed, whatever their event.
// A move or rename names both the old key (to delete) and the new one (to
// create), old first. A nil table ignores every record.
func (t *Table) Map(rec *Record) ([]Key, Class) {
	switch {
	case isOwn(rec.UserAgent):
		return nil, Own
	case rec.StatusCode != 200:
		return nil, Failed
	case t == nil:
		return nil, Ignored
	}
	service := strings.ToLower(rec.ServiceName)
	action := strings.ToLower(rec.ActionName)
	if r, ok := t.rules[service+"/"+action]; ok {
		return r(rec)
	}
	if !t.services[service] || isACL(action) {
		return nil, Ignored
	}
	return nil, Unknown
}

// ownToken starts the User-Agent product token of drsync's SDK clients
// ("drsync/<version> databricks-sdk-go/…").
var ownToken = config.Product + "/"

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

// Ignore is the rule of events that change nothing drsync copies.
func Ignore(*Record) ([]Key, Class) { return nil, Ignored }

// Named returns Relevant with ks, or Unresolved when a key could not be built.
func Named(ks ...Key) ([]Key, Class) {
	for _, k := range ks {
		if k.Key == "" {
			return nil, Unresolved
		}
	}
	return ks, Relevant
}

// Param returns the first of names present (and not empty) in rec's parameters.
func Param(rec *Record, names ...string) string {
	for _, n := range names {
		if v, ok := rec.Param(n); ok && v != "" {
			return v
		}
	}
	return ""
}

// ByParam maps an event naming one object by an id parameter.
func ByParam(kind string, names ...string) Rule {
	return func(rec *Record) ([]Key, Class) { return Named(Key{kind, Param(rec, names...)}) }
}

// ByResult maps a create whose new id is only in response.result.
func ByResult(kind string, names ...string) Rule {
	return func(rec *Record) ([]Key, Class) { return Named(Key{kind, resultID(rec.Result, names...)}) }
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

// CleanPath makes a workspace path a source key: the /Workspace prefix
// dropped (paths arrive with and without it), no trailing slash. A path that
// is not absolute gives "" (unresolved).
func CleanPath(p string) string {
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
	parent = CleanPath(parent)
	if parent == "" || name == "" || strings.Contains(name, "/") {
		return ""
	}
	if parent == "/" {
		return "/" + name
	}
	return parent + "/" + name
}

// KindOf says which kind of object an event names (the notebook service logs
// notebooks and files alike, telling them apart by a parameter).
type KindOf func(*Record) string

// Fixed is the KindOf of events about one kind.
func Fixed(kind string) KindOf { return func(*Record) string { return kind } }

// At maps an event naming one object by path.
func At(kind KindOf, names ...string) Rule {
	return func(rec *Record) ([]Key, Class) { return Named(Key{kind(rec), CleanPath(Param(rec, names...))}) }
}

// Moved maps a move: the old key and the new one.
func Moved(kind KindOf, oldName, newName string) Rule {
	return func(rec *Record) ([]Key, Class) {
		k := kind(rec)
		return Named(Key{k, CleanPath(Param(rec, oldName))}, Key{k, CleanPath(Param(rec, newName))})
	}
}

// Renamed maps a rename within a folder: parentPath/oldName → parentPath/newName.
func Renamed(kind KindOf) Rule {
	return func(rec *Record) ([]Key, Class) {
		parent, k := Param(rec, "parentPath"), kind(rec)
		return Named(Key{k, joinPath(parent, Param(rec, "oldName"))}, Key{k, joinPath(parent, Param(rec, "newName"))})
	}
}
