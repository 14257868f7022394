package emulator_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/databricks/databricks-sdk-go"
	"github.com/databricks/databricks-sdk-go/client"
	"github.com/databricks/databricks-sdk-go/service/workspace"

	"github.com/drsync/drsync/shared/emulator"
)

// Contract tests of the large-object and IPYNB behaviour of the workspace API
// (reference part 2 §10.3-10.5), through the real SDK.

// importFile posts data raw to workspace-files/import-file, as the CLI's
// workspace filer does.
func importFile(ctx context.Context, w *databricks.WorkspaceClient, path string, overwrite bool, data []byte) error {
	c, err := client.New(w.Config)
	if err != nil {
		return err
	}
	urlPath := fmt.Sprintf("/api/2.0/workspace-files/import-file/%s?overwrite=%t",
		url.PathEscape(strings.TrimLeft(path, "/")), overwrite)
	return c.Do(ctx, http.MethodPost, urlPath, nil, nil, data, nil)
}

// exportInfo is get-status with return_export_info=true, called raw as the CLI
// does (the SDK's request type has no such field).
func exportInfo(t *testing.T, w *databricks.WorkspaceClient, path string) map[string]any {
	t.Helper()
	c, err := client.New(w.Config)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	err = c.Do(wsCtx, http.MethodGet, "/api/2.0/workspace/get-status", nil, nil,
		map[string]any{"path": path, "return_export_info": true}, &out)
	if err != nil {
		t.Fatalf("get-status %s: %v", path, err)
	}
	return out
}

// download reads an object through Workspace.Download (direct_download=true).
func download(t *testing.T, w *databricks.WorkspaceClient, path string, format workspace.ExportFormat) []byte {
	t.Helper()
	rc, err := w.Workspace.Download(wsCtx, path, workspace.DownloadFormat(format))
	if err != nil {
		t.Fatalf("download %s: %v", path, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// The 10 MB of workspace/import and of a JSON export counts the base64 text:
// 7.5 MiB of bytes is the largest content either takes. Download serves more.
func TestWorkspaceJSONLimitCountsBase64(t *testing.T) {
	_, w := wsStart(t)
	fits := bytes.Repeat([]byte("abc"), (10<<20)/4) // base64: exactly 10 MiB
	wsImport(t, w, workspace.Import{Path: wsHome + "/fits.bin", Format: workspace.ImportFormatRaw, Content: b64(string(fits))})
	if got, _ := wsExport(t, w, wsHome+"/fits.bin", workspace.ExportFormatAuto); got != string(fits) {
		t.Fatal("7.5 MiB file did not round-trip through JSON import and export")
	}
	over := append(fits, "abc"...)
	err := w.Workspace.Import(wsCtx, workspace.Import{Path: wsHome + "/over.bin", Format: workspace.ImportFormatRaw, Content: b64(string(over))})
	wantAPIError(t, err, 400, "MAX_NOTEBOOK_SIZE_EXCEEDED")
	// The same bytes arrive by the raw path; their JSON export is then too large.
	if err := importFile(wsCtx, w, wsHome+"/over.bin", false, over); err != nil {
		t.Fatal(err)
	}
	_, err = w.Workspace.Export(wsCtx, workspace.ExportRequest{Path: wsHome + "/over.bin", Format: workspace.ExportFormatAuto})
	wantAPIError(t, err, 400, "MAX_NOTEBOOK_SIZE_EXCEEDED")
	if got := download(t, w, wsHome+"/over.bin", workspace.ExportFormatAuto); !bytes.Equal(got, over) {
		t.Fatalf("download gave %d bytes, want %d", len(got), len(over))
	}
}

// import-file writes a FILE from a raw body: 404 without the parent, 409 over
// a file without overwrite, 400 (empty error code) over a notebook; overwrite
// keeps the object id; the /Workspace mount is accepted; a 12 MB file reads
// back through Download.
func TestWorkspaceImportFile(t *testing.T) {
	srv, w := wsStart(t)
	big := bytes.Repeat([]byte("0123456789abcdef"), (12<<20)/16)
	err := importFile(wsCtx, w, wsHome+"/missing/big.bin", true, big)
	wantAPIError(t, err, 404, "RESOURCE_DOES_NOT_EXIST")
	if err := importFile(wsCtx, w, wsHome+"/big.bin", false, big); err != nil {
		t.Fatal(err)
	}
	info := wsStatus(t, w, wsHome+"/big.bin")
	if info.ObjectType != workspace.ObjectTypeFile || info.Size != int64(len(big)) {
		t.Fatalf("big.bin = %+v", info)
	}
	err = importFile(wsCtx, w, wsHome+"/big.bin", false, []byte("x"))
	wantAPIError(t, err, 409, "RESOURCE_ALREADY_EXISTS")
	if !errors.Is(err, databricks.ErrResourceConflict) && !errors.Is(err, databricks.ErrResourceAlreadyExists) {
		t.Fatalf("409: err = %v", err)
	}
	if err := importFile(wsCtx, w, "/Workspace"+wsHome+"/big.bin", true, big[:100]); err != nil {
		t.Fatal(err)
	}
	if again := wsStatus(t, w, wsHome+"/big.bin"); again.ObjectId != info.ObjectId || again.Size != 100 {
		t.Fatalf("after overwrite = %+v, want id %d size 100", again, info.ObjectId)
	}
	wsImport(t, w, workspace.Import{Path: wsHome + "/nb", Format: workspace.ImportFormatSource,
		Language: workspace.LanguagePython, Content: b64("1")})
	err = importFile(wsCtx, w, wsHome+"/nb", true, []byte("x"))
	wantAPIError(t, err, 400, "")
	if err := importFile(wsCtx, w, wsHome+"/big.bin", true, big); err != nil {
		t.Fatal(err)
	}
	if got := download(t, w, wsHome+"/big.bin", workspace.ExportFormatSource); !bytes.Equal(got, big) {
		t.Fatalf("download gave %d bytes, want %d", len(got), len(big))
	}
	if n := srv.RequestCount("POST /api/2.0/workspace-files/import-file/{path...}"); n != 6 {
		t.Fatalf("import-file counted %d times under its pattern, want 6", n)
	}
}

// ipynbDoc is a Jupyter notebook with an output, a widget and an environment in
// its metadata: what only a JUPYTER copy keeps.
const ipynbDoc = `{"cells":[{"cell_type":"markdown","metadata":{},"source":["# Title"]},` +
	`{"cell_type":"code","execution_count":1,"metadata":{},"outputs":[{"name":"stdout","output_type":"stream","text":["2\n"]}],"source":["print(1+1)"]}],` +
	`"metadata":{"application/vnd.databricks.v1+notebook":{"environmentMetadata":{"client":"1","dependencies":["pandas"]},"widgets":{"w":{"defaultValue":"a"}}},` +
	`"language_info":{"name":"python"}},"nbformat":4,"nbformat_minor":0}`

// A JUPYTER import makes an IPYNB notebook: listed as a PYTHON NOTEBOOK
// without ".ipynb", get-status with return_export_info says JUPYTER, JUPYTER
// export gives the document back, SOURCE export its cells. A SOURCE import
// over it makes it a source notebook (§10.4, RECALL).
func TestWorkspaceIpynbNotebook(t *testing.T) {
	_, w := wsStart(t)
	wsImport(t, w, workspace.Import{Path: wsHome + "/nb.ipynb", Format: workspace.ImportFormatAuto, Content: b64(ipynbDoc)})
	objs, err := w.Workspace.ListAll(wsCtx, workspace.ListWorkspaceRequest{Path: wsHome})
	if err != nil || len(objs) != 1 || objs[0].Path != wsHome+"/nb" ||
		objs[0].ObjectType != workspace.ObjectTypeNotebook || objs[0].Language != workspace.LanguagePython {
		t.Fatalf("list = %+v, %v", objs, err)
	}
	if got := exportInfo(t, w, "/Workspace"+wsHome+"/nb"); got["repos_export_format"] != "JUPYTER" || got["path"] != "/Workspace"+wsHome+"/nb" {
		t.Fatalf("get-status = %v", got)
	}
	if got, fileType := wsExport(t, w, wsHome+"/nb", workspace.ExportFormatJupyter); got != ipynbDoc || fileType != "ipynb" {
		t.Fatalf("JUPYTER export = %s (%s)", got, fileType)
	}
	if got := download(t, w, wsHome+"/nb", workspace.ExportFormatJupyter); string(got) != ipynbDoc {
		t.Fatalf("JUPYTER download = %s", got)
	}
	src := "# Databricks notebook source\n# MAGIC %md\n# MAGIC # Title\n\n# COMMAND ----------\n\nprint(1+1)"
	if got, _ := wsExport(t, w, wsHome+"/nb", workspace.ExportFormatSource); got != src {
		t.Fatalf("SOURCE export = %q, want %q", got, src)
	}
	wsImport(t, w, workspace.Import{Path: wsHome + "/nb", Format: workspace.ImportFormatSource,
		Language: workspace.LanguagePython, Content: b64(src), Overwrite: true})
	if got := exportInfo(t, w, wsHome+"/nb"); got["repos_export_format"] != "SOURCE" {
		t.Fatalf("after a SOURCE import: %v", got)
	}
	if got, _ := wsExport(t, w, wsHome+"/nb", workspace.ExportFormatJupyter); strings.Contains(got, "outputs\":[{") || strings.Contains(got, "widgets") {
		t.Fatalf("a SOURCE round trip kept outputs or widgets: %s", got)
	}
	wsImport(t, w, workspace.Import{Path: wsHome + "/nb", Format: workspace.ImportFormatJupyter, Content: b64(ipynbDoc), Overwrite: true})
	if got := exportInfo(t, w, wsHome+"/nb"); got["repos_export_format"] != "JUPYTER" {
		t.Fatalf("after a JUPYTER import: %v", got)
	}
}

// return_export_info names a format for notebooks only; a bad .ipynb is 400.
func TestWorkspaceExportInfoOnlyForNotebooks(t *testing.T) {
	srv, w := wsStart(t)
	if _, err := srv.SeedObject(emulator.SeedObject{Path: wsHome + "/f.txt", ObjectType: "FILE", Content: "x"}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{wsHome, wsHome + "/f.txt"} {
		if got := exportInfo(t, w, p); got["repos_export_format"] != nil {
			t.Fatalf("%s: %v", p, got)
		}
	}
	if got := wsStatus(t, w, wsHome+"/f.txt"); got.ObjectType != workspace.ObjectTypeFile {
		t.Fatalf("f.txt = %+v", got)
	}
	err := w.Workspace.Import(wsCtx, workspace.Import{Path: wsHome + "/bad", Format: workspace.ImportFormatJupyter, Content: b64("{}")})
	wantAPIError(t, err, 400, "INVALID_PARAMETER_VALUE")
}

// /Workspace/x names /x in mkdirs, import, export, download, list and delete.
func TestWorkspaceMountEveryEndpoint(t *testing.T) {
	_, w := wsStart(t)
	mount := "/Workspace" + wsHome + "/d"
	if err := w.Workspace.MkdirsByPath(wsCtx, mount); err != nil {
		t.Fatal(err)
	}
	wsImport(t, w, workspace.Import{Path: mount + "/nb", Format: workspace.ImportFormatJupyter, Content: b64(ipynbDoc)})
	if got, _ := wsExport(t, w, wsHome+"/d/nb", workspace.ExportFormatJupyter); got != ipynbDoc {
		t.Fatalf("export = %s", got)
	}
	if got := download(t, w, mount+"/nb", workspace.ExportFormatJupyter); string(got) != ipynbDoc {
		t.Fatalf("download = %s", got)
	}
	if err := w.Workspace.Delete(wsCtx, workspace.Delete{Path: mount, Recursive: true}); err != nil {
		t.Fatal(err)
	}
	_, err := w.Workspace.ListAll(wsCtx, workspace.ListWorkspaceRequest{Path: wsHome + "/d"})
	wantAPIError(t, err, 404, "RESOURCE_DOES_NOT_EXIST")
}
