package kinds

// The workspace tree (directories, notebooks, files) is listed once per
// workspace per run and shared by the three workspace kinds.
//
// workspace/list is neither recursive nor paginated: one call per directory.
// Listing the tree once per kind would triple those calls, so the three
// adapters of one run (All) share a wsTree. A walk is served to each kind at
// most once: a kind that lists again (a re-check after apply) starts a fresh
// walk, and any write through these adapters drops the workspace's walks, so
// nothing drsync changed is ever hidden. The tree lives as long as the run's
// adapters: nothing outlives the run.

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/databricks/databricks-sdk-go/apierr"
	"github.com/databricks/databricks-sdk-go/service/workspace"
	"golang.org/x/sync/errgroup"

	"github.com/drsync/drsync/shared/connect"
	"github.com/drsync/drsync/shared/resource"
)

// wsWalkLimit bounds concurrent list calls during a walk: each directory is
// one call, and the SDK's own rate limit still applies on top.
const wsWalkLimit = 8

// Skip reasons for workspace objects drsync never copies.
const (
	wsSkipRepo = "Git folder (repo): synced from its Git remote, not copied; " +
		"create it in DR through the Repos API"
	wsSkipLibrary = "workspace library (legacy LIBRARY object): cannot be exported; " +
		"install libraries from their source (PyPI, Maven, volumes) instead"
	wsSkipDashboard = "Lakeview dashboard: not exportable as a notebook or file; " +
		"copied only through the Lakeview API, which drsync does not sync"
)

// wsKindOf says which kind lists an object, and why it is skipped ("" = copied).
// REPO objects are folder-like and go with directories; LIBRARY, DASHBOARD and
// any type this code does not know go with files, all skipped.
func wsKindOf(info workspace.ObjectInfo) (kind, skip string) {
	switch info.ObjectType {
	case workspace.ObjectTypeDirectory:
		return Directory, ""
	case workspace.ObjectTypeNotebook:
		return Notebook, ""
	case workspace.ObjectTypeFile:
		return File, ""
	case workspace.ObjectTypeRepo:
		return Directory, wsSkipRepo
	case workspace.ObjectTypeLibrary:
		return File, wsSkipLibrary
	case workspace.ObjectTypeDashboard:
		return File, wsSkipDashboard
	}
	return File, fmt.Sprintf("workspace object type %q is not synced", info.ObjectType)
}

// wsBuiltin reports whether path is a folder every workspace has: "/", the
// root folders, or a user's home "/Users/<name>" (which exists only when the
// user does, so drsync matches homes but never creates or deletes them).
func wsBuiltin(path string) bool {
	switch path {
	case "/", "/Users", "/Shared", "/Repos":
		return true
	}
	name, ok := strings.CutPrefix(path, "/Users/")
	return ok && name != "" && !strings.Contains(name, "/")
}

// wsKind is what the three workspace kinds share: their name, the run's
// tree, listing from it, and delete.
type wsKind struct {
	name string
	tree *wsTree
}

// Name implements resource.Kind.
func (k wsKind) Name() string { return k.name }

// Schema implements resource.Kind: the path is the identity; the document
// holds only what import takes (ids and timestamps never enter it).
func (wsKind) Schema() *resource.Schema { return &resource.Schema{Paths: true} }

// List implements resource.Kind from the run's walk of the whole tree.
func (k wsKind) List(ctx context.Context, ws resource.Workspace) ([]resource.Object, error) {
	out, err := k.listUnder(ctx, ws, "/")
	if err != nil || k.name != Directory {
		return out, err
	}
	root := resource.Object{Kind: Directory, Key: "/", ID: "/", Name: "/", Doc: resource.Doc{}, Builtin: true}
	return append([]resource.Object{root}, out...), nil
}

// ListUnder implements resource.SubtreeLister: root itself (one get-status)
// and, when it is a folder, everything under it; nothing when root does not
// exist. The three kinds share one read of each subtree.
func (k wsKind) ListUnder(ctx context.Context, ws resource.Workspace, root string) ([]resource.Object, error) {
	return k.listUnder(ctx, ws, root)
}

func (k wsKind) listUnder(ctx context.Context, ws resource.Workspace, root string) ([]resource.Object, error) {
	w, err := apiClient(ws)
	if err != nil {
		return nil, err
	}
	infos, err := k.tree.get(ctx, w, root, k.name)
	if err != nil {
		return nil, err
	}
	var out []resource.Object
	for _, info := range infos {
		if kind, skip := wsKindOf(info); kind == k.name {
			out = append(out, wsObject(kind, info, skip))
		}
	}
	return out, nil
}

// Delete implements resource.Kind with a non-recursive delete, so a folder
// that still holds unmanaged objects is never emptied: the service answers
// DIRECTORY_NOT_EMPTY (errors.Is apierr.ErrBadRequest) and nothing is
// removed. A missing object is not an error.
func (k wsKind) Delete(ctx context.Context, ws resource.Workspace, id string) error {
	w, err := apiClient(ws)
	if err != nil {
		return err
	}
	defer k.tree.forget(w)
	err = w.Workspace.Delete(ctx, workspace.Delete{Path: id})
	if errors.Is(err, apierr.ErrNotFound) {
		return nil
	}
	return err
}

// wsObject turns one listed object into an Object of kind. Directories carry
// their (empty) document; notebooks and files carry modified_at as the Mark
// and are read only when it moved. Skipped objects carry an empty document so
// nothing is ever exported for them.
func wsObject(kind string, info workspace.ObjectInfo, skip string) resource.Object {
	o := resource.Object{Kind: kind, Key: info.Path, ID: info.Path, Name: info.Path, Skip: skip}
	switch {
	case skip != "" || kind == Directory:
		o.Doc = resource.Doc{}
		o.Builtin = skip == "" && wsBuiltin(info.Path)
	case kind == Notebook:
		o.Mark = info.ModifiedAt
		// The listed language, for reports. Read still asks language and
		// storage format in one get-status: the listing cannot tell an IPYNB
		// notebook from a source one.
		o.Attrs = map[string]string{"language": string(info.Language)}
	default:
		o.Mark = info.ModifiedAt
		// The size tells Read, before any call, whether the JSON export can
		// carry the file (wslarge.go).
		o.Attrs = map[string]string{"size": strconv.FormatInt(info.Size, 10)}
	}
	return o
}

// wsKindCount is how many kinds share a walk.
const wsKindCount = 3

// wsTree is one run's walks of the workspace trees it reads.
type wsTree struct {
	mu    sync.Mutex
	walks map[wsWalkKey]*wsWalk
}

func newWSTree() *wsTree { return &wsTree{walks: map[wsWalkKey]*wsWalk{}} }

// wsWalkKey names a walk: a workspace and the path it starts at ("/" for the
// whole tree, a subtree for a targeted sync).
type wsWalkKey struct {
	w    *connect.Client
	root string
}

// wsWalk is one walk of one workspace, possibly still running.
type wsWalk struct {
	done   chan struct{} // closed when infos/err are set
	infos  []workspace.ObjectInfo
	err    error
	served map[string]bool // kinds this walk was handed to
}

// get returns every object of w's tree at and under root (sorted by path, "/"
// not included), from the current walk when kind has not been served it yet,
// else from a new walk. Concurrent callers share one walk; a failed walk is
// not kept.
func (c *wsTree) get(ctx context.Context, w *connect.Client, root, kind string) ([]workspace.ObjectInfo, error) {
	key := wsWalkKey{w: w, root: root}
	c.mu.Lock()
	e := c.walks[key]
	if e != nil && e.served[kind] {
		e = nil
	}
	owner := e == nil
	if owner {
		e = &wsWalk{done: make(chan struct{}), served: map[string]bool{}}
		c.walks[key] = e
	}
	e.served[kind] = true
	if len(e.served) == wsKindCount && c.walks[key] == e {
		// Every kind has it: no one can be served from it again, so do not
		// hold a large tree in memory for the rest of the run.
		delete(c.walks, key)
	}
	c.mu.Unlock()
	if owner {
		c.run(ctx, key, e)
	}
	select {
	case <-e.done:
		return e.infos, e.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// run walks the tree for e and publishes the result.
func (c *wsTree) run(ctx context.Context, key wsWalkKey, e *wsWalk) {
	infos, err := wsReadTree(ctx, key.w.Workspace, key.root)
	c.mu.Lock()
	defer c.mu.Unlock()
	e.infos, e.err = infos, err
	if err != nil && c.walks[key] == e {
		delete(c.walks, key)
	}
	close(e.done)
}

// forget drops w's walks: drsync just changed w's tree.
func (c *wsTree) forget(w *connect.Client) {
	c.mu.Lock()
	for key := range c.walks {
		if key.w == w {
			delete(c.walks, key)
		}
	}
	c.mu.Unlock()
}

// wsAPI is the part of the workspace API a walk needs.
type wsAPI interface {
	ListAll(ctx context.Context, request workspace.ListWorkspaceRequest) ([]workspace.ObjectInfo, error)
	GetStatus(ctx context.Context, request workspace.GetStatusRequest) (*workspace.ObjectInfo, error)
}

var _ wsAPI = (*workspace.WorkspaceAPI)(nil)

// wsReadTree is the whole tree below "/", or root itself (one get-status) and,
// when it is a folder, everything under it; nothing when root does not exist.
func wsReadTree(ctx context.Context, api wsAPI, root string) ([]workspace.ObjectInfo, error) {
	if root == "/" {
		return wsWalkTree(ctx, api, root)
	}
	info, err := api.GetStatus(ctx, workspace.GetStatusRequest{Path: root})
	if errors.Is(err, apierr.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get-status %s: %w", root, err)
	}
	infos := []workspace.ObjectInfo{*info}
	if info.ObjectType != workspace.ObjectTypeDirectory {
		return infos, nil
	}
	below, err := wsWalkTree(ctx, api, root)
	return append(infos, below...), err
}

// wsWalkTree lists every object under root, one list call per directory, at
// most wsWalkLimit at a time. REPO objects are not descended (a Git folder's
// content belongs to its remote). A directory deleted during the walk is
// skipped; any other failure fails the whole walk, because an incomplete
// listing would read as deletions. The result is sorted by path.
func wsWalkTree(ctx context.Context, api wsAPI, root string) ([]workspace.ObjectInfo, error) {
	g, ctx := errgroup.WithContext(ctx)
	sem := make(chan struct{}, wsWalkLimit)
	var mu sync.Mutex
	var out []workspace.ObjectInfo
	var visit func(dir string)
	visit = func(dir string) {
		// g.Go never blocks (no SetLimit): a listing goroutine queues its
		// subdirectories without holding a slot, so the walk cannot deadlock.
		g.Go(func() error {
			infos, err := wsListDir(ctx, api, sem, dir)
			if err != nil {
				return err
			}
			mu.Lock()
			out = append(out, infos...)
			mu.Unlock()
			for _, info := range infos {
				if info.ObjectType == workspace.ObjectTypeDirectory {
					visit(info.Path)
				}
			}
			return nil
		})
	}
	visit(root)
	if err := g.Wait(); err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// wsListDir lists one directory while holding a slot of sem. A directory that
// vanished since its parent was listed yields nothing, but only once a
// get-status confirms it is gone: a 404 from a listing alone (a proxy, a
// permission hiccup) must never read as "folder deleted" and wipe its
// subtree in DR.
func wsListDir(ctx context.Context, api wsAPI, sem chan struct{}, dir string) ([]workspace.ObjectInfo, error) {
	select {
	case sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	infos, err := api.ListAll(ctx, workspace.ListWorkspaceRequest{Path: dir})
	if errors.Is(err, apierr.ErrNotFound) {
		_, serr := api.GetStatus(ctx, workspace.GetStatusRequest{Path: dir})
		switch {
		case errors.Is(serr, apierr.ErrNotFound):
			err = nil
		case serr == nil:
			err = fmt.Errorf("the listing answered 404 but the folder exists: %w", err)
		default:
			err = fmt.Errorf("the listing answered 404 and get-status failed: %w", errors.Join(err, serr))
		}
	}
	<-sem
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", dir, err)
	}
	// list on a path that became a notebook or file returns that object.
	if len(infos) == 1 && infos[0].Path == dir {
		return nil, nil
	}
	return infos, nil
}

// wsApplied reads the target's modified_at after a write, so the next run
// knows the object it just wrote has not changed since.
func wsApplied(ctx context.Context, w *connect.Client, path string) (resource.Applied, error) {
	info, err := w.Workspace.GetStatus(ctx, workspace.GetStatusRequest{Path: path})
	if err != nil {
		return resource.Applied{}, fmt.Errorf("get-status after write: %w", err)
	}
	return resource.Applied{ID: path, Mark: info.ModifiedAt}, nil
}

// wsExport exports one object and returns its content as canonical base64
// (re-encoded, so two workspaces that wrap or pad differently still hash alike).
func wsExport(ctx context.Context, w *connect.Client, path string, format workspace.ExportFormat) (string, error) {
	resp, err := w.Workspace.Export(ctx, workspace.ExportRequest{Path: path, Format: format})
	if err != nil {
		return "", fmt.Errorf("export: %w", err)
	}
	data, err := resp.Bytes()
	if err != nil {
		return "", fmt.Errorf("export: decode content: %w", err)
	}
	return base64.StdEncoding.EncodeToString(data), nil
}

// wsImport writes one notebook or file, by the path its size allows
// (wsWrite), and returns its path and new modified_at. Content is always
// sent, even when empty (an empty file).
func (k wsKind) wsImport(ctx context.Context, w *connect.Client, req workspace.Import) (resource.Applied, error) {
	defer k.tree.forget(w)
	req.ForceSendFields = append(req.ForceSendFields, "Content")
	err := wsWrite(ctx, w, req)
	if errors.Is(err, apierr.ErrNotFound) {
		// Import never creates its parent folder. A full sync creates folders
		// first; a targeted one (a notebook created in a new folder) may not
		// name the folder, so make it (mkdir -p) and import once more. The next
		// full sync adopts the folder by its path.
		if err = w.Workspace.MkdirsByPath(ctx, path.Dir(req.Path)); err == nil {
			err = wsWrite(ctx, w, req)
		}
	}
	if err != nil {
		return resource.Applied{}, fmt.Errorf("import: %w", err)
	}
	return wsApplied(ctx, w, req.Path)
}
