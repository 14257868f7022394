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
// Listed from the run's walk with Mark = modified_at and a nil Doc: a file is
// exported only when it moved. LIBRARY and DASHBOARD objects (and types drsync
// does not know) are listed here as Skip. Its audit-log events are the
// notebook kind's (the services log both alike).
type file struct{ wsKind }

// file reads its document with an export.
var _ resource.Reader = file{}

func newFile(tree *wsTree) resource.Kind { return file{wsKind{File, tree}} }

// Info implements resource.Kind, with the notebooks' rate families.
func (file) Info() resource.Info {
	return resource.Info{Resource: "files", DependsOn: []string{Directory}, Rates: wsRates}
}

// Read implements resource.Reader with one export, or one direct download
// when the listed size is over the JSON export's limit (wslarge.go). AUTO is
// the documented format that gives a workspace file's bytes unchanged.
func (file) Read(ctx context.Context, ws resource.Workspace, obj resource.Object) (resource.Doc, error) {
	w, err := apiClient(ws)
	if err != nil {
		return nil, err
	}
	content, err := wsRead(ctx, w, obj.ID, workspace.ExportFormatAuto, wsSize(obj.Attrs))
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

// Update implements resource.Kind: a RAW import over the path (through
// import-file when the content is over the JSON import's limit), then one
// get-status for the target's modified_at. RAW, not AUTO: AUTO would turn a
// file "x.py" that starts with the notebook header into a notebook "x".
// A missing content is an empty file.
func (f file) Update(ctx context.Context, ws resource.Workspace, id string, want resource.Object) (resource.Applied, error) {
	w, err := apiClient(ws)
	if err != nil {
		return resource.Applied{}, err
	}
	content, _ := want.Doc["content"].(string)
	return f.wsImport(ctx, w, workspace.Import{Path: id, Format: workspace.ImportFormatRaw,
		Content: content, Overwrite: true})
}
