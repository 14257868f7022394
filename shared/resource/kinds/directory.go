package kinds

import (
	"context"

	"github.com/databricks/databricks-sdk-go/service/workspace"

	"github.com/drsync/drsync/shared/auditlog"
	"github.com/drsync/drsync/shared/resource"
)

// directory adapts workspace folders. A folder has no settings: its identity is
// its path, so its document is empty and only existence is synced. Listed
// from the run's walk: every folder with an empty Doc and Mark 0; "/", the
// root folders and user homes as Builtin; Git folders (REPO) as Skip.
type directory struct{ wsKind }

func newDirectory(tree *wsTree) resource.Kind { return directory{wsKind{Directory, tree}} }

// Info implements resource.Kind. A folder's key in an audit-log event stands
// for its subtree.
func (directory) Info() resource.Info {
	return resource.Info{Resource: "directories", Folder: true}
}

// Create implements resource.Kind with mkdirs ("mkdir -p"; an existing folder
// is fine, an existing notebook or file at the path is RESOURCE_ALREADY_EXISTS).
func (d directory) Create(ctx context.Context, ws resource.Workspace, want resource.Object) (resource.Applied, error) {
	w, err := apiClient(ws)
	if err != nil {
		return resource.Applied{}, err
	}
	defer d.tree.forget(w)
	if err := w.Workspace.Mkdirs(ctx, workspace.Mkdirs{Path: want.ID}); err != nil {
		return resource.Applied{}, err
	}
	return resource.Applied{ID: want.ID}, nil
}

// Update implements resource.Kind: a folder has nothing to update. Nested
// managed folders are deleted deepest first (see wsKind.Delete).
func (directory) Update(_ context.Context, _ resource.Workspace, id string, _ resource.Object) (resource.Applied, error) {
	return resource.Applied{ID: id}, nil
}

// auditEvents: folders created, moved and deleted in the UI.
func (directory) auditEvents() auditlog.Events {
	at := auditlog.Fixed(Directory)
	return auditlog.Events{
		"notebook/createfolder":  auditlog.At(at, "path"),
		"notebook/restorefolder": auditlog.At(at, "path"),
		"notebook/deletefolder":  auditlog.At(at, "path"),
		"notebook/movefolder":    auditlog.Moved(at, "oldPath", "newPath"),
		// Git folders are not copied (REPO objects are skipped).
		"notebook/deleterepo": auditlog.Ignore,
	}
}
