package kinds

import (
	"context"

	"github.com/databricks/databricks-sdk-go/service/workspace"

	"github.com/drsync/drsync/shared/resource"
)

// file adapts workspace files (non-notebook objects such as .py modules, init
// scripts, requirements). The document is the raw bytes:
//
//	{"content": "<base64>"}
//
// The listing's modified_at is the Mark: a file is exported only when it moved.
type file struct{}

// file reads its document with an export.
var _ resource.Reader = file{}

func newFile() resource.Kind { return file{} }

// Name implements resource.Kind.
func (file) Name() string { return File }

// Schema implements resource.Kind. The document holds only the content; size,
// ids and timestamps never enter it.
func (file) Schema() *resource.Schema { return &resource.Schema{Paths: true} }

// List implements resource.Kind from the shared walk: every file with Mark =
// modified_at and a nil Doc; LIBRARY and DASHBOARD objects (and types drsync
// does not know) are listed here as Skip.
func (file) List(ctx context.Context, ws resource.Workspace) ([]resource.Object, error) {
	return wsList(ctx, ws, File)
}

// Read implements resource.Reader with one export. AUTO is the documented
// format that gives a workspace file's bytes unchanged.
func (file) Read(ctx context.Context, ws resource.Workspace, obj resource.Object) (resource.Doc, error) {
	w, err := apiClient(ws)
	if err != nil {
		return nil, err
	}
	content, err := wsExport(ctx, w, File, obj.ID, workspace.ExportFormatAuto)
	if err != nil {
		return nil, err
	}
	return resource.Doc{"content": content}, nil
}

// Create implements resource.Kind with an overwriting import, like notebooks:
// a rerun after a crash before the ledger write replaces the file.
func (f file) Create(ctx context.Context, ws resource.Workspace, want resource.Object) (resource.Applied, error) {
	return f.Update(ctx, ws, want.ID, want)
}

// Update implements resource.Kind: a RAW import over the path, then one
// get-status for the target's modified_at. RAW, not AUTO: AUTO would turn a
// file "x.py" that starts with the notebook header into a notebook "x".
// A missing content is an empty file.
func (file) Update(ctx context.Context, ws resource.Workspace, id string, want resource.Object) (resource.Applied, error) {
	w, err := apiClient(ws)
	if err != nil {
		return resource.Applied{}, err
	}
	content, _ := want.Doc["content"].(string)
	return wsImport(ctx, w, File, workspace.Import{Path: id, Format: workspace.ImportFormatRaw,
		Content: content, Overwrite: true})
}

// Delete implements resource.Kind; a missing file is not an error.
func (file) Delete(ctx context.Context, ws resource.Workspace, id string) error {
	return wsDelete(ctx, ws, File, id)
}
