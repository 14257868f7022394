package emulator

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// Object types of the workspace tree (ObjectInfo.object_type).
const (
	wsDirectory = "DIRECTORY"
	wsNotebook  = "NOTEBOOK"
	wsFile      = "FILE"
	wsRepo      = "REPO" // a Git folder: a folder bound to a remote (repos.go)
)

// wsMount is the FUSE-style prefix the service accepts as an alias of the
// workspace root: "/Workspace/Users/x" names the same object as "/Users/x".
const wsMount = "Workspace"

// wsNode is one workspace object. Directories keep their children by name, so a
// listing or a lookup touches one folder per path segment, never the whole tree.
type wsNode struct {
	name     string
	path     string // canonical ("/Users/a b/x"), without the /Workspace mount
	kind     string // wsDirectory, wsRepo, wsNotebook or wsFile
	language string // notebooks only
	// format is how a notebook is stored: "" for source, wsJupyter for an
	// IPYNB notebook, whose data is then its .ipynb document (reference
	// part 2 §10.4).
	format   string
	id       int64
	created  int64 // epoch ms; notebooks and files only
	modified int64
	// data is a source notebook's source without its "Databricks notebook
	// source" header line, an IPYNB notebook's document, or a file's bytes. It is replaced on overwrite, never changed in place,
	// so a handler may keep reading it after releasing s.mu.
	data     []byte
	parent   *wsNode
	children map[string]*wsNode // folders (directories and repos) only
	repo     *repoInfo          // repos only
}

// isFolder reports whether n holds other objects: a directory or a repo.
func (n *wsNode) isFolder() bool { return n.children != nil }

// wsState is the workspace object tree (notebooks, directories, files).
type wsState struct {
	root *wsNode
	byID map[int64]*wsNode // every object except "/"
	// lastWrite is the newest modified_at handed out: timestamps are kept strictly
	// increasing so notebooks_modified_after always sees a change, even when two
	// writes fall in the same millisecond or the clock is frozen by a test.
	lastWrite int64
}

// wsBuiltins are the folders every workspace has; the user's home is added too.
var wsBuiltins = []string{"/Users", "/Shared", "/Repos"}

// newWSState returns a tree holding the built-in folders. It runs inside New,
// before the server is shared, so drawing ids without s.mu is safe.
func newWSState(s *Server) *wsState {
	ws := &wsState{
		root: &wsNode{path: "/", kind: wsDirectory, children: map[string]*wsNode{}},
		byID: map[int64]*wsNode{},
	}
	for _, p := range append(append([]string{}, wsBuiltins...), "/Users/"+s.opts.UserName) {
		wp, err := parseWSPath(p)
		if err != nil {
			panic("emulator: bad built-in workspace path " + p)
		}
		if _, err := ws.mkdirAll(wp.segs, s.newObjectID); err != nil {
			panic("emulator: " + err.Error())
		}
	}
	return ws
}

// wsPath is a request path resolved for the tree.
type wsPath struct {
	raw   string   // as sent, for error messages
	segs  []string // canonical segments below "/", with the /Workspace mount removed
	mount bool     // the caller used /Workspace, so paths are echoed under it
}

// parseWSPath resolves a request path: it must be absolute; duplicate and
// trailing slashes are collapsed and a leading /Workspace is an alias of "/".
// Errors are 400 INVALID_PARAMETER_VALUE.
func parseWSPath(raw string) (wsPath, error) {
	if raw == "" {
		return wsPath{}, invalidParam("Path is required.")
	}
	if !strings.HasPrefix(raw, "/") {
		return wsPath{}, invalidParam("Path (%s) is not absolute.", raw)
	}
	p := wsPath{raw: raw}
	for _, seg := range strings.Split(raw, "/") {
		switch seg {
		case "":
			continue
		case ".", "..":
			return wsPath{}, invalidParam("Path (%s) is not a valid workspace path.", raw)
		}
		p.segs = append(p.segs, seg)
	}
	if len(p.segs) > 0 && p.segs[0] == wsMount {
		p.segs = p.segs[1:]
		// A doubled leading slash ("//Workspace/...") is answered with the mount
		// stripped, a plain "/Workspace/..." keeps it (databricks/cli testserver,
		// "verified against the backend").
		p.mount = !strings.HasPrefix(raw, "//")
	}
	return p, nil
}

// canonical is the path without the mount: "/" or "/a/b".
func (p wsPath) canonical() string { return "/" + strings.Join(p.segs, "/") }

// isRoot reports whether p names "/".
func (p wsPath) isRoot() bool { return len(p.segs) == 0 }

// name is the last segment ("" for the root).
func (p wsPath) name() string {
	if p.isRoot() {
		return ""
	}
	return p.segs[len(p.segs)-1]
}

// parent is the folder holding p; the root's parent is the root.
func (p wsPath) parent() wsPath {
	q := p
	if !p.isRoot() {
		q.segs = p.segs[:len(p.segs)-1]
	}
	return q
}

// withName returns p with its last segment replaced.
func (p wsPath) withName(name string) wsPath {
	q := p.parent()
	q.segs = append(append([]string{}, q.segs...), name)
	return q
}

// echo is a canonical tree path as the caller should see it: under /Workspace
// when the request used the mount, so the path comes back the way it was sent.
func (p wsPath) echo(canonical string) string {
	if !p.mount {
		return canonical
	}
	if canonical == "/" {
		return "/" + wsMount
	}
	return "/" + wsMount + canonical
}

// wsNotFound is the service's answer for a missing path (reference §2.1, §6.3).
func wsNotFound(p wsPath) error {
	return notFound("Path (%s) doesn't exist.", p.raw)
}

// lookup returns the object at segs, or nil when any segment is missing or a
// segment on the way is not a folder.
func (ws *wsState) lookup(segs []string) *wsNode {
	n := ws.root
	for _, seg := range segs {
		if !n.isFolder() {
			return nil
		}
		if n = n.children[seg]; n == nil {
			return nil
		}
	}
	return n
}

// mkdirAll creates the folder at segs and any missing parents ("mkdir -p") and
// returns it. An existing folder is fine; an existing notebook or file at segs
// or on the way is 400 RESOURCE_ALREADY_EXISTS.
func (ws *wsState) mkdirAll(segs []string, newID func() int64) (*wsNode, error) {
	n := ws.root
	for _, seg := range segs {
		child := n.children[seg]
		if child == nil {
			child = &wsNode{name: seg, path: joinWSPath(n.path, seg), kind: wsDirectory,
				id: newID(), children: map[string]*wsNode{}}
			ws.insert(n, child)
		}
		if !child.isFolder() {
			// Verbatim shape of a real answer (databrickslabs/dbx#613): the node
			// name runs straight into "already exists", without a space.
			return nil, alreadyExists("%salready exists and it is not a folder", child.path)
		}
		n = child
	}
	return n, nil
}

// joinWSPath appends one segment to a canonical folder path.
func joinWSPath(dir, name string) string {
	if dir == "/" {
		return "/" + name
	}
	return dir + "/" + name
}

// insert hangs child under dir.
func (ws *wsState) insert(dir, child *wsNode) {
	child.parent = dir
	dir.children[child.name] = child
	ws.byID[child.id] = child
}

// remove detaches n and forgets its whole subtree.
func (ws *wsState) remove(n *wsNode) {
	delete(n.parent.children, n.name)
	ws.forget(n)
}

func (ws *wsState) forget(n *wsNode) {
	delete(ws.byID, n.id)
	for _, c := range n.children {
		ws.forget(c)
	}
}

// tick returns the modified_at for a write happening at now: never earlier
// than now, always after the previous write.
func (ws *wsState) tick(now int64) int64 {
	ws.lastWrite = max(now, ws.lastWrite+1)
	return ws.lastWrite
}

// sortedChildren lists a folder's entries by path, as the service's CLI fake
// does (the real order is not contractual; sorted keeps responses repeatable).
func (n *wsNode) sortedChildren() []*wsNode {
	names := make([]string, 0, len(n.children))
	for name := range n.children {
		names = append(names, name)
	}
	sort.Strings(names)
	out := make([]*wsNode, len(names))
	for i, name := range names {
		out[i] = n.children[name]
	}
	return out
}

// isBuiltin reports whether n is "/" or one of the root folders every workspace
// has; the service does not let anyone delete those.
func (ws *wsState) isBuiltin(n *wsNode) bool {
	if n == ws.root {
		return true
	}
	if n.parent != ws.root {
		return false
	}
	for _, p := range wsBuiltins {
		if p == n.path {
			return true
		}
	}
	return false
}

// wsObjectInfo is ObjectInfo on the wire, in the field order of a real listing
// (samples/workspace-list.json). Timestamps are on notebooks and files only,
// size on files only; pointers keep a legitimate zero (an empty file) on the wire.
type wsObjectInfo struct {
	ObjectType string `json:"object_type"`
	Path       string `json:"path"`
	Language   string `json:"language,omitempty"`
	ObjectID   int64  `json:"object_id"`
	ResourceID string `json:"resource_id"`
	Size       *int64 `json:"size,omitempty"`
	CreatedAt  *int64 `json:"created_at,omitempty"`
	ModifiedAt *int64 `json:"modified_at,omitempty"`
	// ReposExportFormat is set by get-status with return_export_info=true.
	ReposExportFormat string `json:"repos_export_format,omitempty"`
}

// info describes n with its path echoed the way p was sent.
func (n *wsNode) info(p wsPath) wsObjectInfo {
	o := wsObjectInfo{
		ObjectType: n.kind,
		Path:       p.echo(n.path),
		Language:   n.language,
		ObjectID:   n.id,
		ResourceID: strconv.FormatInt(n.id, 10),
	}
	if n.isFolder() {
		return o
	}
	created, modified := n.created, n.modified
	o.CreatedAt, o.ModifiedAt = &created, &modified
	if n.kind == wsFile {
		size := int64(len(n.data))
		o.Size = &size
	}
	return o
}

// wsContent is what an import or a seed writes at one path.
type wsContent struct {
	kind     string // wsNotebook or wsFile
	language string
	format   string // notebooks: "" (source) or wsJupyter, as wsNode.format
	data     []byte
}

// put writes c at p (whose parent folder must exist) and returns the node.
// Overwriting keeps object_id and created_at (identity and ACLs survive) and
// bumps modified_at. Errors: 404 RESOURCE_DOES_NOT_EXIST for a missing parent,
// 400 RESOURCE_ALREADY_EXISTS when p exists and overwrite is false, or when the
// existing object is of another type (a folder is never replaced by a notebook).
// Call with s.mu held.
func (s *Server) wsPut(p wsPath, c wsContent, overwrite bool) (*wsNode, error) {
	if p.isRoot() {
		return nil, alreadyExists("Node named '%s' already exists", p.echo("/"))
	}
	dir := s.ws.lookup(p.parent().segs)
	if dir == nil || !dir.isFolder() {
		// The import API never creates parents (databricks/cli PR #5763).
		return nil, notFound("The parent folder (%s) does not exist.", p.echo(p.parent().canonical()))
	}
	now := s.ws.tick(s.now())
	if n := dir.children[p.name()]; n != nil {
		if !overwrite || n.kind != c.kind {
			return nil, alreadyExists("Node named '%s' already exists", p.name())
		}
		// The import's format decides the storage format: a SOURCE import
		// over an IPYNB notebook makes it a source notebook (§10.4, RECALL).
		n.language, n.format, n.data, n.modified = c.language, c.format, c.data, now
		return n, nil
	}
	n := &wsNode{name: p.name(), path: joinWSPath(dir.path, p.name()), kind: c.kind,
		language: c.language, format: c.format, id: s.newObjectID(), created: now, modified: now, data: c.data}
	s.ws.insert(dir, n)
	return n, nil
}

// wsDelete removes the object at p. Errors: 404 RESOURCE_DOES_NOT_EXIST,
// 400 DIRECTORY_NOT_EMPTY for a non-empty folder without recursive, and
// 403 PERMISSION_DENIED for "/" and the built-in root folders. Call with s.mu held.
func (s *Server) wsDelete(p wsPath, recursive bool) error {
	n := s.ws.lookup(p.segs)
	switch {
	case n == nil:
		return wsNotFound(p)
	case s.ws.isBuiltin(n):
		// Not documented; a system folder refusal is what a workspace admin sees
		// in the UI, so the emulator answers with the permission error.
		return errorf(http.StatusForbidden, "PERMISSION_DENIED",
			"Folder (%s) is a system folder and cannot be deleted.", p.echo(n.path))
	case len(n.children) > 0 && !recursive:
		return errorf(http.StatusBadRequest, "DIRECTORY_NOT_EMPTY",
			"Folder (%s) is not empty.", p.echo(n.path))
	}
	s.ws.remove(n)
	return nil
}
