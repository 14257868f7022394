package kinds

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"testing"

	"github.com/databricks/databricks-sdk-go"
	"github.com/databricks/databricks-sdk-go/service/workspace"

	"github.com/drsync/drsync/shared/connect"
	"github.com/drsync/drsync/shared/emulator"
	"github.com/drsync/drsync/shared/resource"
)

// Endpoints the large-content and IPYNB paths use.
const (
	wsTestImport     = "POST /api/2.0/workspace/import"
	wsTestImportFile = "POST /api/2.0/workspace-files/import-file/{path...}"
	wsTestGetStatus  = "GET /api/2.0/workspace/get-status"
)

// wsTestIpynb is a Jupyter notebook with an output, a widget and an
// environment: what only a JUPYTER copy keeps.
const wsTestIpynb = `{"cells":[{"cell_type":"code","execution_count":1,"metadata":{},` +
	`"outputs":[{"name":"stdout","output_type":"stream","text":["2\n"]}],"source":["print(1+1)"]}],` +
	`"metadata":{"application/vnd.databricks.v1+notebook":{"environmentMetadata":{"dependencies":["pandas"]},` +
	`"widgets":{"w":{"defaultValue":"a"}}},"language_info":{"name":"python"}},"nbformat":4,"nbformat_minor":0}`

// wsTestBig is size bytes that are not one repeated byte.
func wsTestBig(size int) []byte {
	out := make([]byte, size)
	for i := range out {
		out[i] = byte(i*7 + i/251)
	}
	return out
}

// wsTestDownload reads path's bytes with the SDK's Download.
func wsTestDownload(t *testing.T, w *databricks.WorkspaceClient, path string, format workspace.ExportFormat) []byte {
	t.Helper()
	rc, err := w.Workspace.Download(context.Background(), path, workspace.DownloadFormat(format))
	if err != nil {
		t.Fatalf("download %s: %v", path, err)
	}
	defer rc.Close()
	data, _ := io.ReadAll(rc)
	return data
}

// wsTestListed is the one object of kind at path in a fresh listing of ws.
func wsTestListed(t *testing.T, ws resource.Workspace, kind, path string) resource.Object {
	t.Helper()
	_, ks := wsTestKinds()
	o, ok := wsTestByID(wsTestListAll(t, ws, ks)[kind])[path]
	if !ok {
		t.Fatalf("%s %s not listed", kind, path)
	}
	return o
}

// Protects the large-file path: a 12 MB file (over the 7.5 MB of bytes the
// JSON calls carry) is read with one direct download (its listed size says so,
// no JSON export is tried) and written with one import-file; the bytes arrive
// unchanged and the target reads back to the same document.
func TestFileOverJSONLimitRoundTrip(t *testing.T) {
	srcSrv, _, src := wsTestStart(t)
	dstSrv, dstW, dst := wsTestStart(t)
	src.Side = "source"
	big := wsTestBig(12 << 20)
	wsTestSeed(t, srcSrv, emulator.SeedObject{Path: "/Shared/data/big.bin", ObjectType: "FILE", Content: string(big)})
	wsTestSeed(t, dstSrv, emulator.SeedObject{Path: "/Shared/data", ObjectType: "DIRECTORY"})
	obj := wsTestListed(t, src, File, "/Shared/data/big.bin")
	srcSrv.ResetRequests()
	k := newFile(newWSTree())
	wsTestCopy(t, k, src, dst, obj)
	if n := srcSrv.RequestCount(wsTestExport); n != 1 {
		t.Errorf("source exports = %d, want 1 direct download", n)
	}
	if a, b := dstSrv.RequestCount(wsTestImportFile), dstSrv.RequestCount(wsTestImport); a != 1 || b != 0 {
		t.Errorf("target import-file = %d, import = %d; want 1 and 0", a, b)
	}
	if got := wsTestDownload(t, dstW, "/Shared/data/big.bin", workspace.ExportFormatAuto); !bytes.Equal(got, big) {
		t.Fatalf("target has %d bytes, want the %d of the source", len(got), len(big))
	}
	srcDoc, err := k.(resource.Reader).Read(context.Background(), src, obj)
	if err != nil {
		t.Fatal(err)
	}
	dstDoc, err := k.(resource.Reader).Read(context.Background(), dst, wsTestListed(t, dst, File, "/Shared/data/big.bin"))
	if err != nil {
		t.Fatal(err)
	}
	if resource.Hash(srcDoc) != resource.Hash(dstDoc) {
		t.Fatal("source and target documents of the large file differ")
	}
}

// Protects reads when the listing's size is unknown or stale: the JSON export
// answers MAX_NOTEBOOK_SIZE_EXCEEDED and the read falls back to the download.
func TestFileReadFallsBackToDownload(t *testing.T) {
	srv, _, ws := wsTestStart(t)
	big := wsTestBig(8 << 20)
	wsTestSeed(t, srv, emulator.SeedObject{Path: "/Shared/f.bin", ObjectType: "FILE", Content: string(big)})
	doc, err := newFile(newWSTree()).(resource.Reader).Read(context.Background(), ws, resource.Object{Kind: File, ID: "/Shared/f.bin"})
	if err != nil {
		t.Fatal(err)
	}
	if doc["content"] != base64.StdEncoding.EncodeToString(big) {
		t.Fatal("content is not the file's bytes")
	}
}

// Protects IPYNB notebooks: the document names the JUPYTER format and holds
// the .ipynb, the target is an IPYNB notebook with the same document (outputs,
// widgets, environment), and reads back to the same hash.
func TestNotebookIpynbRoundTrip(t *testing.T) {
	_, srcW, src := wsTestStart(t)
	_, dstW, dst := wsTestStart(t)
	src.Side = "source"
	ctx := context.Background()
	err := srcW.Workspace.Import(ctx, workspace.Import{Path: "/Shared/analysis", Format: workspace.ImportFormatJupyter,
		Content: base64.StdEncoding.EncodeToString([]byte(wsTestIpynb))})
	if err != nil {
		t.Fatal(err)
	}
	k := newNotebook(newWSTree())
	obj := wsTestListed(t, src, Notebook, "/Shared/analysis")
	srcDoc, err := k.(resource.Reader).Read(ctx, src, obj)
	if err != nil {
		t.Fatal(err)
	}
	if srcDoc["format"] != "JUPYTER" || srcDoc["language"] != "PYTHON" {
		t.Fatalf("doc = %v", srcDoc)
	}
	wsTestCopy(t, k, src, dst, obj)
	info, err := dst.API.(*connect.Client).StatusWithExportInfo(ctx, "/Shared/analysis")
	if err != nil || info.ReposExportFormat != "JUPYTER" {
		t.Fatalf("target = %+v, %v; want a JUPYTER notebook", info, err)
	}
	if got := wsTestExportRaw(t, dstW, "/Shared/analysis", workspace.ExportFormatJupyter); got != wsTestIpynb {
		t.Fatalf("target .ipynb = %s", got)
	}
	dstDoc, err := k.(resource.Reader).Read(ctx, dst, wsTestListed(t, dst, Notebook, "/Shared/analysis"))
	if err != nil || resource.Hash(dstDoc) != resource.Hash(srcDoc) {
		t.Fatalf("target doc = %v, %v; want the source's", dstDoc, err)
	}
}

// Protects the ledger of existing notebooks: a source notebook's document is
// still exactly language and SOURCE content, so its hash is what earlier
// versions stored, and its copy stays a SOURCE notebook.
func TestNotebookSourceDocumentUnchanged(t *testing.T) {
	srv, _, src := wsTestStart(t)
	_, _, dst := wsTestStart(t)
	src.Side = "source"
	wsTestSeed(t, srv, emulator.SeedObject{Path: "/Shared/plain", ObjectType: "NOTEBOOK", Language: "PYTHON", Content: "print(1)"})
	k := newNotebook(newWSTree())
	obj := wsTestListed(t, src, Notebook, "/Shared/plain")
	doc, err := k.(resource.Reader).Read(context.Background(), src, obj)
	if err != nil {
		t.Fatal(err)
	}
	want := resource.Doc{"language": "PYTHON",
		"content": base64.StdEncoding.EncodeToString([]byte("# Databricks notebook source\nprint(1)"))}
	if resource.Hash(doc) != resource.Hash(want) {
		t.Fatalf("doc = %v, want %v", doc, want)
	}
	wsTestCopy(t, k, src, dst, obj)
	info, err := dst.API.(*connect.Client).StatusWithExportInfo(context.Background(), "/Shared/plain")
	if err != nil || info.ReposExportFormat != "SOURCE" {
		t.Fatalf("target = %+v, %v; want a SOURCE notebook", info, err)
	}
}

// Protects notebooks between the JSON limit and 10 MB: read by the download
// fallback, written by the multipart import, still a notebook in the target.
func TestNotebookOverJSONLimitRoundTrip(t *testing.T) {
	srv, _, src := wsTestStart(t)
	dstSrv, dstW, dst := wsTestStart(t)
	src.Side = "source"
	body := bytes.Repeat([]byte("x = 1\n"), (8<<20)/6)
	wsTestSeed(t, srv, emulator.SeedObject{Path: "/Shared/huge", ObjectType: "NOTEBOOK", Language: "PYTHON", Content: string(body)})
	k := newNotebook(newWSTree())
	wsTestCopy(t, k, src, dst, wsTestListed(t, src, Notebook, "/Shared/huge"))
	if n := dstSrv.RequestCount(wsTestImport); n != 1 {
		t.Errorf("target imports = %d, want 1 multipart", n)
	}
	got := wsTestDownload(t, dstW, "/Shared/huge", workspace.ExportFormatSource)
	if want := append([]byte("# Databricks notebook source\n"), body...); !bytes.Equal(got, want) {
		t.Fatalf("target source has %d bytes, want %d", len(got), len(want))
	}
}
