package kinds

import (
	"context"

	"github.com/databricks/databricks-sdk-go/service/workspace"

	"github.com/drsync/drsync/shared/resource"
)

// directory adapts workspace folders. A folder has no settings: its identity is
// its path, so its document is empty and only existence is synced.
type directory struct{}

func newDirectory() resource.Kind { return directory{} }

// Name implements resource.Kind.
func (directory) Name() string { return Directory }

// Schema implements resource.Kind: nothing to strip, the path is the identity.
func (directory) Schema() *resource.Schema { return &resource.Schema{Paths: true} }

// List implements resource.Kind from the shared walk: every folder with an
// empty Doc and Mark 0, "/", the root folders and user homes as Builtin, Git
// folders (REPO) as Skip.
func (directory) List(ctx context.Context, ws resource.Workspace) ([]resource.Object, error) {
	return wsList(ctx, ws, Directory)
}

// Create implements resource.Kind with mkdirs ("mkdir -p"; an existing folder
// is fine, an existing notebook or file at the path is RESOURCE_ALREADY_EXISTS).
func (directory) Create(ctx context.Context, ws resource.Workspace, want resource.Object) (resource.Applied, error) {
	w, err := apiClient(ws)
	if err != nil {
		return resource.Applied{}, err
	}
	defer wsWalks.forget(w)
	if err := w.Workspace.Mkdirs(ctx, workspace.Mkdirs{Path: want.ID}); err != nil {
		return resource.Applied{}, resource.Errorf(Directory, want.ID, "mkdirs", err)
	}
	return resource.Applied{ID: want.ID}, nil
}

// Update implements resource.Kind: a folder has nothing to update.
func (directory) Update(_ context.Context, _ resource.Workspace, id string, _ resource.Object) (resource.Applied, error) {
	return resource.Applied{ID: id}, nil
}

// Delete implements resource.Kind with a non-recursive delete, so a folder
// that still holds unmanaged objects is never emptied: the service answers
// DIRECTORY_NOT_EMPTY (errors.Is databricks.ErrBadRequest) and nothing is
// removed. Nested managed folders must therefore be deleted deepest first.
func (directory) Delete(ctx context.Context, ws resource.Workspace, id string) error {
	return wsDelete(ctx, ws, Directory, id)
}
