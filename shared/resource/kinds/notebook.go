package kinds

import (
	"context"
	"fmt"

	"github.com/databricks/databricks-sdk-go/service/workspace"

	"github.com/drsync/drsync/shared/resource"
)

// notebook adapts workspace notebooks. The document is the notebook's SOURCE
// export (header line included) and its language:
//
//	{"language": "PYTHON", "content": "<base64 of the source>"}
//
// so the hash is of the real content. The listing's modified_at is the Mark:
// a notebook is exported only when it moved since the last sync.
type notebook struct{}

// notebook reads its document with an export.
var _ resource.Reader = notebook{}

func newNotebook() resource.Kind { return notebook{} }

// Name implements resource.Kind.
func (notebook) Name() string { return Notebook }

// Schema implements resource.Kind. The document holds only what import takes
// (language and content); ids and timestamps never enter it.
func (notebook) Schema() *resource.Schema { return &resource.Schema{Paths: true} }

// List implements resource.Kind from the shared walk: every notebook with
// Mark = modified_at, a nil Doc and its language in Attrs.
func (notebook) List(ctx context.Context, ws resource.Workspace) ([]resource.Object, error) {
	return wsList(ctx, ws, Notebook)
}

// Read implements resource.Reader with one SOURCE export. The language comes
// from the listing (obj.Attrs), or from one get-status when obj was not listed.
func (notebook) Read(ctx context.Context, ws resource.Workspace, obj resource.Object) (resource.Doc, error) {
	w, err := apiClient(ws)
	if err != nil {
		return nil, err
	}
	lang := obj.Attrs["language"]
	if lang == "" {
		info, err := w.Workspace.GetStatus(ctx, workspace.GetStatusRequest{Path: obj.ID})
		if err != nil {
			return nil, resource.Errorf(Notebook, obj.ID, "get-status", err)
		}
		lang = string(info.Language)
	}
	content, err := wsExport(ctx, w, Notebook, obj.ID, workspace.ExportFormatSource)
	if err != nil {
		return nil, err
	}
	return resource.Doc{"language": lang, "content": content}, nil
}

// Create implements resource.Kind. It imports with overwrite too: after a
// crash between the import and the ledger write, the rerun must replace the
// notebook, not fail with RESOURCE_ALREADY_EXISTS. The parent folder must
// exist (the directory kind runs first; import never creates parents).
func (n notebook) Create(ctx context.Context, ws resource.Workspace, want resource.Object) (resource.Applied, error) {
	return n.Update(ctx, ws, want.ID, want)
}

// Update implements resource.Kind: a SOURCE import over the path, then one
// get-status so the engine records the target's modified_at.
func (notebook) Update(ctx context.Context, ws resource.Workspace, id string, want resource.Object) (resource.Applied, error) {
	w, err := apiClient(ws)
	if err != nil {
		return resource.Applied{}, err
	}
	lang, _ := want.Doc["language"].(string)
	content, _ := want.Doc["content"].(string)
	if lang == "" || content == "" {
		return resource.Applied{}, resource.Errorf(Notebook, id, "import",
			fmt.Errorf("document needs language and content, got keys %v", wsDocKeys(want.Doc)))
	}
	return wsImport(ctx, w, Notebook, workspace.Import{Path: id, Format: workspace.ImportFormatSource,
		Language: workspace.Language(lang), Content: content, Overwrite: true})
}

// Delete implements resource.Kind; a missing notebook is not an error.
func (notebook) Delete(ctx context.Context, ws resource.Workspace, id string) error {
	return wsDelete(ctx, ws, Notebook, id)
}
