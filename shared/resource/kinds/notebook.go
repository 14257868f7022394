package kinds

import (
	"cmp"
	"context"
	"fmt"
	"strings"

	"github.com/databricks/databricks-sdk-go/service/workspace"

	"github.com/drsync/drsync/shared/auditlog"
	"github.com/drsync/drsync/shared/resource"
)

// notebook adapts workspace notebooks. The document is the notebook's export
// and its language; an IPYNB notebook's also names its format:
//
//	{"language": "PYTHON", "content": "<base64 of the SOURCE export>"}
//	{"language": "PYTHON", "format": "JUPYTER", "content": "<base64 of the .ipynb>"}
//
// so the hash is of the real content, and a source notebook's document (and
// hash) is what it was before IPYNB notebooks were told apart. An IPYNB
// notebook is copied as JUPYTER, which keeps its storage format, outputs,
// widgets and environment (reference part 2 §10.4: a SOURCE round trip would
// make it a source notebook). Listed from the run's walk with Mark =
// modified_at and a nil Doc: a listing cannot tell the two apart, so the
// format is asked (get-status) only when the notebook is read, i.e. when it
// moved since the last sync or is new.
type notebook struct{ wsKind }

// notebook reads its document with an export.
var _ resource.Reader = notebook{}

func newNotebook(tree *wsTree) resource.Kind { return notebook{wsKind{Notebook, tree}} }

// Info implements resource.Kind: notebooks live in folders; reads are
// exports and writes imports, each with its own published limit.
func (notebook) Info() resource.Info {
	return resource.Info{Resource: "notebooks", DependsOn: []string{Directory}, Rates: wsRates}
}

// wsRates are the rate families of workspace content reads and writes.
var wsRates = map[string]string{
	"read": resource.RateExport, "create": resource.RateImport, "update": resource.RateImport,
}

// Read implements resource.Reader: one get-status with return_export_info
// (language and storage format), then one export in that format (a direct
// download when the service says the JSON export is too large).
func (notebook) Read(ctx context.Context, ws resource.Workspace, obj resource.Object) (resource.Doc, error) {
	w, err := apiClient(ws)
	if err != nil {
		return nil, err
	}
	info, err := w.StatusWithExportInfo(ctx, obj.ID)
	if err != nil {
		return nil, fmt.Errorf("get-status: %w", err)
	}
	format := workspace.ExportFormatSource
	if info.ReposExportFormat == nbJupyter {
		format = workspace.ExportFormatJupyter
	}
	content, err := wsRead(ctx, w, obj.ID, format, 0)
	if err != nil {
		return nil, err
	}
	// get-status's language, or the listing's should an answer lack it.
	lang := cmp.Or(string(info.Language), obj.Attrs["language"])
	doc := resource.Doc{"language": lang, "content": content}
	if format == workspace.ExportFormatJupyter {
		doc["format"] = nbJupyter
	}
	return doc, nil
}

// nbJupyter is the repos_export_format of an IPYNB notebook, and the
// document's "format" for one.
const nbJupyter = "JUPYTER"

// Create implements resource.Kind. It imports with overwrite too: after a
// crash between the import and the ledger write, the rerun must replace the
// notebook, not fail with RESOURCE_ALREADY_EXISTS. The parent folder must
// exist (the directory kind runs first; import never creates parents).
func (n notebook) Create(ctx context.Context, ws resource.Workspace, want resource.Object) (resource.Applied, error) {
	return n.Update(ctx, ws, want.ID, want)
}

// Update implements resource.Kind: an import over the path, JUPYTER for an
// IPYNB notebook's document and SOURCE otherwise (the multipart form when the
// content is over the JSON import's limit), then one get-status so the
// engine records the target's modified_at.
func (n notebook) Update(ctx context.Context, ws resource.Workspace, id string, want resource.Object) (resource.Applied, error) {
	w, err := apiClient(ws)
	if err != nil {
		return resource.Applied{}, err
	}
	lang, _ := want.Doc["language"].(string)
	content, _ := want.Doc["content"].(string)
	format, _ := want.Doc["format"].(string)
	if lang == "" || content == "" {
		return resource.Applied{}, fmt.Errorf("document needs language and content, got keys %v", docKeys(want.Doc))
	}
	req := workspace.Import{Path: id, Format: workspace.ImportFormatSource,
		Language: workspace.Language(lang), Content: content, Overwrite: true}
	if format == nbJupyter {
		// The document carries its kernel language; a language is for SOURCE.
		req.Format, req.Language = workspace.ImportFormatJupyter, ""
	}
	return n.wsImport(ctx, w, req)
}

// auditEvents: the notebook service logs notebooks and workspace files
// (assetType "file") alike; the workspace and workspaceFiles services log
// workspace files by name, and nodes of any type.
func (notebook) auditEvents() auditlog.Events {
	asset := auditlog.KindOf(notebookAssetKind)
	anyPath, file := auditlog.Fixed(resource.KindPath), auditlog.Fixed(File)
	return auditlog.Events{
		"notebook/createnotebook":  auditlog.At(asset, "path"),
		"notebook/importnotebook":  auditlog.At(asset, "path"),
		"notebook/modifynotebook":  auditlog.At(asset, "path"), // may carry only notebookId: Unresolved
		"notebook/restorenotebook": auditlog.At(asset, "path"),
		"notebook/deletenotebook":  auditlog.At(asset, "path"),
		"notebook/movenotebook":    auditlog.Moved(asset, "oldPath", "newPath"),
		"notebook/renamenotebook":  auditlog.Renamed(asset),
		// Sessions, runs and reads.
		"notebook/attachnotebook":         auditlog.Ignore,
		"notebook/detachnotebook":         auditlog.Ignore,
		"notebook/runcommand":             auditlog.Ignore,
		"notebook/downloadlargeresults":   auditlog.Ignore,
		"notebook/downloadpreviewresults": auditlog.Ignore,
		"notebook/takenotebooksnapshot":   auditlog.Ignore,

		// fileCreate and fileDelete name workspace files; a workspace node
		// may be a notebook, a file or a folder: a path key (whatever is
		// there, a folder standing for its subtree).
		"workspace/filecreate":          auditlog.At(file, "path"),
		"workspace/createworkspacenode": auditlog.At(anyPath, "path"),
		"workspace/filedelete":          auditlog.At(file, "path"),
		"workspace/deleteworkspacenode": auditlog.At(anyPath, "path"),
		// destinationPath may be the new path or the folder moved into; a path
		// key covers both (a folder stands for its subtree).
		"workspace/moveworkspacenode": auditlog.Moved(anyPath, "path", "destinationPath"),
		// Purging the trash removes objects whose deletion was already logged.
		"workspace/purgeworkspacenodes":     auditlog.Ignore,
		"workspace/workspaceexport":         auditlog.Ignore,
		"workspace/changeworkspaceacl":      auditlog.Ignore,
		"workspacefiles/wsfsstreamingwrite": auditlog.At(file, "path"),
	}
}

// notebookAssetKind is the kind of a notebook-service object: the service
// also logs workspace files, marked assetType "file".
func notebookAssetKind(rec *auditlog.Record) string {
	switch t, _ := rec.Param("assetType"); {
	case t == "" || strings.EqualFold(t, "notebook"):
		return Notebook
	case strings.EqualFold(t, "file"):
		return File
	default:
		return resource.KindPath
	}
}
