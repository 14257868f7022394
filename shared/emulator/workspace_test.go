package emulator_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/databricks/databricks-sdk-go"
	"github.com/databricks/databricks-sdk-go/apierr"
	"github.com/databricks/databricks-sdk-go/service/workspace"

	"github.com/drsync/drsync/shared/emulator"
	"github.com/drsync/drsync/shared/emulator/emutest"
)

const wsHome = "/Users/admin@example.com"

var wsCtx = context.Background()

// wsStart serves a workspace with a frozen clock and rate limits off, so tests
// can check timestamps exactly and import as fast as they like.
func wsStart(t *testing.T) (*emulator.Server, *databricks.WorkspaceClient) {
	t.Helper()
	frozen := time.UnixMilli(1_727_000_000_000)
	return emutest.Start(t, emulator.Options{
		RateLimits: map[string]float64{},
		Now:        func() time.Time { return frozen },
	})
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// wsImport imports a notebook or file and fails the test on error.
func wsImport(t *testing.T, w *databricks.WorkspaceClient, req workspace.Import) {
	t.Helper()
	if err := w.Workspace.Import(wsCtx, req); err != nil {
		t.Fatalf("import %s: %v", req.Path, err)
	}
}

func wsStatus(t *testing.T, w *databricks.WorkspaceClient, path string) *workspace.ObjectInfo {
	t.Helper()
	info, err := w.Workspace.GetStatusByPath(wsCtx, path)
	if err != nil {
		t.Fatalf("get-status %s: %v", path, err)
	}
	return info
}

func wsExport(t *testing.T, w *databricks.WorkspaceClient, path string, format workspace.ExportFormat) (string, string) {
	t.Helper()
	resp, err := w.Workspace.Export(wsCtx, workspace.ExportRequest{Path: path, Format: format})
	if err != nil {
		t.Fatalf("export %s: %v", path, err)
	}
	data, err := resp.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return string(data), resp.FileType
}

func wsPaths(objs []workspace.ObjectInfo) []string {
	var out []string
	for _, o := range objs {
		out = append(out, o.Path)
	}
	return out
}

func wantAPIError(t *testing.T, err error, status int, code string) *apierr.APIError {
	t.Helper()
	var ae *apierr.APIError
	if !errors.As(err, &ae) || ae.StatusCode != status || ae.ErrorCode != code {
		t.Fatalf("err = %v (%#v), want %d %s", err, err, status, code)
	}
	return ae
}

// Every workspace has /, /Users, /Shared, /Repos and the caller's home; / is a
// DIRECTORY with object_id 0.
func TestWorkspaceBuiltins(t *testing.T) {
	srv, w := wsStart(t)
	root := wsStatus(t, w, "/")
	if root.ObjectType != workspace.ObjectTypeDirectory || root.ObjectId != 0 || root.Path != "/" {
		t.Fatalf("root = %+v", root)
	}
	objs, err := w.Workspace.ListAll(wsCtx, workspace.ListWorkspaceRequest{Path: "/"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := wsPaths(objs), []string{"/Repos", "/Shared", "/Users"}; !slices.Equal(got, want) {
		t.Fatalf("list / = %v, want %v", got, want)
	}
	if home := wsStatus(t, w, wsHome); home.ObjectType != workspace.ObjectTypeDirectory || home.ObjectId == 0 {
		t.Fatalf("home = %+v", home)
	}
	if n := srv.WorkspaceObjectCount(); n != 4 {
		t.Fatalf("WorkspaceObjectCount = %d, want 4", n)
	}
}

// A SOURCE notebook of every language round-trips byte for byte, with the
// header in the language's comment syntax added once and the right file_type.
func TestWorkspaceSourceRoundTripEveryLanguage(t *testing.T) {
	_, w := wsStart(t)
	for _, tc := range []struct {
		lang     workspace.Language
		header   string
		fileType string
	}{
		{workspace.LanguagePython, "# Databricks notebook source", "py"},
		{workspace.LanguageScala, "// Databricks notebook source", "scala"},
		{workspace.LanguageSql, "-- Databricks notebook source", "sql"},
		{workspace.LanguageR, "# Databricks notebook source", "r"},
	} {
		t.Run(string(tc.lang), func(t *testing.T) {
			withHeader := tc.header + "\nx = 1\n\n" + tc.header[:2] + " COMMAND ----------\n\ny\n"
			plain := "1+1"
			for name, content := range map[string]string{"with": withHeader, "plain": plain} {
				path := wsHome + "/" + string(tc.lang) + "-" + name
				wsImport(t, w, workspace.Import{Path: path, Format: workspace.ImportFormatSource,
					Language: tc.lang, Content: b64(content)})
				got, fileType := wsExport(t, w, path, workspace.ExportFormatSource)
				want := content
				if name == "plain" {
					want = tc.header + "\n" + plain
				}
				if got != want || fileType != tc.fileType {
					t.Fatalf("%s: export = %q (%s), want %q (%s)", name, got, fileType, want, tc.fileType)
				}
				if info := wsStatus(t, w, path); info.Language != tc.lang || info.ObjectType != workspace.ObjectTypeNotebook {
					t.Fatalf("%s: status = %+v", name, info)
				}
			}
		})
	}
}

// A missing path is ErrResourceDoesNotExist with the service's message on
// get-status, list, export and delete.
func TestWorkspaceMissingPathIsResourceDoesNotExist(t *testing.T) {
	_, w := wsStart(t)
	const missing = "/Users/nobody/x"
	calls := map[string]func() error{
		"get-status": func() error { _, err := w.Workspace.GetStatusByPath(wsCtx, missing); return err },
		"list": func() error {
			_, err := w.Workspace.ListAll(wsCtx, workspace.ListWorkspaceRequest{Path: missing})
			return err
		},
		"export": func() error { _, err := w.Workspace.Export(wsCtx, workspace.ExportRequest{Path: missing}); return err },
		"delete": func() error { return w.Workspace.Delete(wsCtx, workspace.Delete{Path: missing}) },
	}
	for name, call := range calls {
		err := call()
		if !errors.Is(err, databricks.ErrResourceDoesNotExist) {
			t.Fatalf("%s: err = %v, want ErrResourceDoesNotExist", name, err)
		}
		if ae := wantAPIError(t, err, 404, "RESOURCE_DOES_NOT_EXIST"); ae.Message != "Path ("+missing+") doesn't exist." {
			t.Fatalf("%s: message = %q", name, ae.Message)
		}
	}
}

// Import never creates parents: a missing folder is 404 with the parent named.
func TestWorkspaceImportIntoMissingParent(t *testing.T) {
	_, w := wsStart(t)
	err := w.Workspace.Import(wsCtx, workspace.Import{Path: wsHome + "/nope/nb",
		Format: workspace.ImportFormatSource, Language: workspace.LanguagePython, Content: b64("1")})
	if !errors.Is(err, databricks.ErrResourceDoesNotExist) {
		t.Fatalf("err = %v, want ErrResourceDoesNotExist", err)
	}
	if ae := wantAPIError(t, err, 404, "RESOURCE_DOES_NOT_EXIST"); ae.Message != "The parent folder ("+wsHome+"/nope) does not exist." {
		t.Fatalf("message = %q", ae.Message)
	}
}

// Importing over an existing path without overwrite is 400 RESOURCE_ALREADY_EXISTS,
// as is replacing an object with one of another type even with overwrite.
func TestWorkspaceImportExistingPath(t *testing.T) {
	_, w := wsStart(t)
	nb := workspace.Import{Path: wsHome + "/nb", Format: workspace.ImportFormatSource,
		Language: workspace.LanguagePython, Content: b64("1")}
	wsImport(t, w, nb)
	err := w.Workspace.Import(wsCtx, nb)
	if !errors.Is(err, databricks.ErrResourceAlreadyExists) {
		t.Fatalf("err = %v, want ErrResourceAlreadyExists", err)
	}
	if ae := wantAPIError(t, err, 400, "RESOURCE_ALREADY_EXISTS"); ae.Message != "Node named 'nb' already exists" {
		t.Fatalf("message = %q", ae.Message)
	}
	asFile := workspace.Import{Path: nb.Path, Format: workspace.ImportFormatRaw, Content: b64("1"), Overwrite: true}
	if err := w.Workspace.Import(wsCtx, asFile); !errors.Is(err, databricks.ErrResourceAlreadyExists) {
		t.Fatalf("file over notebook: err = %v, want ErrResourceAlreadyExists", err)
	}
	overDir := workspace.Import{Path: "/Shared", Format: workspace.ImportFormatRaw, Content: b64("1"), Overwrite: true}
	if err := w.Workspace.Import(wsCtx, overDir); !errors.Is(err, databricks.ErrResourceAlreadyExists) {
		t.Fatalf("file over folder: err = %v, want ErrResourceAlreadyExists", err)
	}
}

// A single-notebook SOURCE import needs a language; bad formats and languages
// are INVALID_PARAMETER_VALUE too.
func TestWorkspaceImportValidation(t *testing.T) {
	_, w := wsStart(t)
	for name, req := range map[string]workspace.Import{
		"no language": {Path: wsHome + "/a", Format: workspace.ImportFormatSource, Content: b64("1")},
		"no format":   {Path: wsHome + "/b", Content: b64("1")},
		"bad format":  {Path: wsHome + "/c", Format: "source", Language: workspace.LanguagePython, Content: b64("1")},
		"bad lang":    {Path: wsHome + "/d", Format: workspace.ImportFormatSource, Language: "COBOL", Content: b64("1")},
		"relative":    {Path: "Users/x", Format: workspace.ImportFormatRaw, Content: b64("1")},
		"bad base64":  {Path: wsHome + "/e", Format: workspace.ImportFormatRaw, Content: "!!"},
	} {
		if err := w.Workspace.Import(wsCtx, req); !errors.Is(err, databricks.ErrInvalidParameterValue) {
			t.Fatalf("%s: err = %v, want ErrInvalidParameterValue", name, err)
		}
	}
}

// A non-empty folder needs recursive (400 DIRECTORY_NOT_EMPTY, ErrBadRequest);
// recursive removes the whole subtree.
func TestWorkspaceDeleteDirectory(t *testing.T) {
	srv, w := wsStart(t)
	if err := w.Workspace.MkdirsByPath(wsCtx, wsHome+"/d/e/f"); err != nil {
		t.Fatal(err)
	}
	wsImport(t, w, workspace.Import{Path: wsHome + "/d/e/f/x.txt", Format: workspace.ImportFormatAuto, Content: b64("x")})
	before := srv.WorkspaceObjectCount()
	err := w.Workspace.Delete(wsCtx, workspace.Delete{Path: wsHome + "/d"})
	if !errors.Is(err, databricks.ErrBadRequest) {
		t.Fatalf("err = %v, want ErrBadRequest", err)
	}
	wantAPIError(t, err, 400, "DIRECTORY_NOT_EMPTY")
	if err := w.Workspace.Delete(wsCtx, workspace.Delete{Path: wsHome + "/d", Recursive: true}); err != nil {
		t.Fatal(err)
	}
	if got := srv.WorkspaceObjectCount(); got != before-4 {
		t.Fatalf("count = %d, want %d", got, before-4)
	}
	if _, err := w.Workspace.GetStatusByPath(wsCtx, wsHome+"/d/e/f/x.txt"); !errors.Is(err, databricks.ErrResourceDoesNotExist) {
		t.Fatalf("after delete: err = %v", err)
	}
}

// "/" and the built-in root folders cannot be deleted; a user's own folder can.
func TestWorkspaceDeleteBuiltins(t *testing.T) {
	_, w := wsStart(t)
	for _, p := range []string{"/", "/Users", "/Shared", "/Repos", "/Workspace/Shared"} {
		err := w.Workspace.Delete(wsCtx, workspace.Delete{Path: p, Recursive: true})
		if !errors.Is(err, databricks.ErrPermissionDenied) {
			t.Fatalf("delete %s: err = %v, want ErrPermissionDenied", p, err)
		}
	}
	if err := w.Workspace.Delete(wsCtx, workspace.Delete{Path: wsHome, Recursive: true}); err != nil {
		t.Fatalf("delete home: %v", err)
	}
}

// mkdirs is mkdir -p: parents are created, an existing folder is fine, and a
// notebook or file at the path or on the way is RESOURCE_ALREADY_EXISTS.
func TestWorkspaceMkdirs(t *testing.T) {
	_, w := wsStart(t)
	for range 2 {
		if err := w.Workspace.MkdirsByPath(wsCtx, wsHome+"/a/b/c"); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []string{wsHome + "/a", wsHome + "/a/b", wsHome + "/a/b/c"} {
		if info := wsStatus(t, w, p); info.ObjectType != workspace.ObjectTypeDirectory || info.CreatedAt != 0 {
			t.Fatalf("%s = %+v", p, info)
		}
	}
	wsImport(t, w, workspace.Import{Path: wsHome + "/a/f.txt", Format: workspace.ImportFormatAuto, Content: b64("x")})
	for _, p := range []string{wsHome + "/a/f.txt", wsHome + "/a/f.txt/sub"} {
		err := w.Workspace.MkdirsByPath(wsCtx, p)
		if !errors.Is(err, databricks.ErrResourceAlreadyExists) {
			t.Fatalf("mkdirs %s: err = %v, want ErrResourceAlreadyExists", p, err)
		}
	}
}

// notebooks_modified_after keeps notebooks modified after it, plus folders and
// files; modified_at is strictly increasing even with a frozen clock.
func TestWorkspaceNotebooksModifiedAfter(t *testing.T) {
	_, w := wsStart(t)
	dir := wsHome + "/nm"
	if err := w.Workspace.MkdirsByPath(wsCtx, dir+"/sub"); err != nil {
		t.Fatal(err)
	}
	nb := func(name string) workspace.Import {
		return workspace.Import{Path: dir + "/" + name, Format: workspace.ImportFormatSource,
			Language: workspace.LanguageSql, Content: b64("select 1"), Overwrite: true}
	}
	wsImport(t, w, nb("old"))
	wsImport(t, w, workspace.Import{Path: dir + "/f.txt", Format: workspace.ImportFormatAuto, Content: b64("x")})
	wsImport(t, w, nb("new"))
	old, newer := wsStatus(t, w, dir+"/old"), wsStatus(t, w, dir+"/new")
	if newer.ModifiedAt <= old.ModifiedAt {
		t.Fatalf("modified_at not increasing: old %d, new %d", old.ModifiedAt, newer.ModifiedAt)
	}
	list := func(after int64) []string {
		objs, err := w.Workspace.ListAll(wsCtx, workspace.ListWorkspaceRequest{Path: dir, NotebooksModifiedAfter: after})
		if err != nil {
			t.Fatal(err)
		}
		return wsPaths(objs)
	}
	if got, want := list(old.ModifiedAt), []string{dir + "/f.txt", dir + "/new", dir + "/sub"}; !slices.Equal(got, want) {
		t.Fatalf("after old = %v, want %v", got, want)
	}
	wsImport(t, w, nb("old"))
	if got, want := list(newer.ModifiedAt), []string{dir + "/f.txt", dir + "/old", dir + "/sub"}; !slices.Equal(got, want) {
		t.Fatalf("after rewrite = %v, want %v", got, want)
	}
}

// Overwrite keeps object_id and created_at (identity and ACLs survive) and
// bumps modified_at; the content changes.
func TestWorkspaceOverwriteKeepsObjectID(t *testing.T) {
	_, w := wsStart(t)
	req := workspace.Import{Path: wsHome + "/nb", Format: workspace.ImportFormatSource,
		Language: workspace.LanguagePython, Content: b64("v1")}
	wsImport(t, w, req)
	first := wsStatus(t, w, req.Path)
	req.Content, req.Overwrite = b64("v2"), true
	wsImport(t, w, req)
	second := wsStatus(t, w, req.Path)
	if second.ObjectId != first.ObjectId || second.ResourceId != first.ResourceId || second.CreatedAt != first.CreatedAt {
		t.Fatalf("identity changed: %+v -> %+v", first, second)
	}
	if second.ModifiedAt <= first.ModifiedAt {
		t.Fatalf("modified_at %d -> %d, want an increase", first.ModifiedAt, second.ModifiedAt)
	}
	if got, _ := wsExport(t, w, req.Path, workspace.ExportFormatSource); got != "# Databricks notebook source\nv2" {
		t.Fatalf("content = %q", got)
	}
}

// /Workspace is an alias of the root and the path is echoed as sent; duplicate
// and trailing slashes are collapsed.
func TestWorkspaceMountAliasAndSlashes(t *testing.T) {
	_, w := wsStart(t)
	wsImport(t, w, workspace.Import{Path: "/Workspace" + wsHome + "/nb", Format: workspace.ImportFormatSource,
		Language: workspace.LanguagePython, Content: b64("1")})
	plain := wsStatus(t, w, wsHome+"/nb")
	for sent, echoed := range map[string]string{
		"/Workspace" + wsHome + "/nb":            "/Workspace" + wsHome + "/nb",
		"/Users//admin@example.com///nb/":        wsHome + "/nb",
		"/Workspace//Users/admin@example.com/nb": "/Workspace" + wsHome + "/nb",
	} {
		info := wsStatus(t, w, sent)
		if info.ObjectId != plain.ObjectId || info.Path != echoed {
			t.Fatalf("%s: %+v, want id %d path %s", sent, info, plain.ObjectId, echoed)
		}
	}
	if root := wsStatus(t, w, "/Workspace"); root.ObjectType != workspace.ObjectTypeDirectory || root.Path != "/Workspace" {
		t.Fatalf("/Workspace = %+v", root)
	}
	objs, err := w.Workspace.ListAll(wsCtx, workspace.ListWorkspaceRequest{Path: "/Workspace" + wsHome})
	if err != nil || len(objs) != 1 || objs[0].Path != "/Workspace"+wsHome+"/nb" {
		t.Fatalf("list under mount = %+v, %v", objs, err)
	}
}

// rawGet calls the emulator without the SDK and returns the decoded JSON body.
func rawGet(t *testing.T, srv *emulator.Server, path string, query url.Values) map[string]any {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, srv.URL()+path+"?"+query.Encode(), nil)
	req.Header.Set("Authorization", "Bearer "+srv.Token())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("decode %s: %v", path, err)
	}
	return body
}

// fieldSets maps object_type to the sorted field names of the listed objects.
func fieldSets(objects []any) map[string]string {
	out := map[string]string{}
	for _, o := range objects {
		m := o.(map[string]any)
		var keys []string
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		out[m["object_type"].(string)] = strings.Join(keys, ",")
	}
	return out
}

// The reference listing decodes into the SDK's ListResponse, and the emulator's
// listing carries the same field set per object type.
func TestWorkspaceListMatchesSample(t *testing.T) {
	data := readSample(t, "workspace-list.json")
	var sample workspace.ListResponse
	if err := json.Unmarshal(data, &sample); err != nil || len(sample.Objects) == 0 {
		t.Fatalf("sample does not decode: %v", err)
	}
	var raw map[string]any
	_ = json.Unmarshal(data, &raw)
	want := fieldSets(raw["objects"].([]any))

	srv, w := wsStart(t)
	if err := w.Workspace.MkdirsByPath(wsCtx, wsHome+"/etl"); err != nil {
		t.Fatal(err)
	}
	wsImport(t, w, workspace.Import{Path: wsHome + "/report", Format: workspace.ImportFormatSource,
		Language: workspace.LanguageSql, Content: b64("select 1")})
	wsImport(t, w, workspace.Import{Path: wsHome + "/config.yaml", Format: workspace.ImportFormatAuto, Content: b64("a: 1\n")})
	got := fieldSets(rawGet(t, srv, "/api/2.0/workspace/list", url.Values{"path": {wsHome}})["objects"].([]any))
	for _, typ := range []string{"DIRECTORY", "NOTEBOOK", "FILE"} {
		if got[typ] != want[typ] {
			t.Fatalf("%s fields = %s, want %s", typ, got[typ], want[typ])
		}
	}
	objs, err := w.Workspace.ListAll(wsCtx, workspace.ListWorkspaceRequest{Path: wsHome})
	if err != nil || len(objs) != 3 || objs[0].Size != 5 || objs[0].ObjectType != workspace.ObjectTypeFile {
		t.Fatalf("SDK list = %+v, %v", objs, err)
	}
}

// An empty folder lists as {} and a non-folder path lists as that one object.
func TestWorkspaceListEmptyAndSingle(t *testing.T) {
	srv, w := wsStart(t)
	if err := w.Workspace.MkdirsByPath(wsCtx, wsHome+"/empty"); err != nil {
		t.Fatal(err)
	}
	if body := rawGet(t, srv, "/api/2.0/workspace/list", url.Values{"path": {wsHome + "/empty"}}); len(body) != 0 {
		t.Fatalf("empty folder = %v, want {}", body)
	}
	wsImport(t, w, workspace.Import{Path: wsHome + "/nb", Format: workspace.ImportFormatSource,
		Language: workspace.LanguageR, Content: b64("1")})
	objs, err := w.Workspace.ListAll(wsCtx, workspace.ListWorkspaceRequest{Path: wsHome + "/nb"})
	if err != nil || len(objs) != 1 || objs[0].Path != wsHome+"/nb" || objs[0].Language != workspace.LanguageR {
		t.Fatalf("list notebook = %+v, %v", objs, err)
	}
}

// Paths with spaces travel through the query string (+ for space) and back.
func TestWorkspacePathWithSpaces(t *testing.T) {
	_, w := wsStart(t)
	dir := "/Users/a b"
	if err := w.Workspace.MkdirsByPath(wsCtx, dir); err != nil {
		t.Fatal(err)
	}
	wsImport(t, w, workspace.Import{Path: dir + "/x y", Format: workspace.ImportFormatSource,
		Language: workspace.LanguagePython, Content: b64("1")})
	objs, err := w.Workspace.ListAll(wsCtx, workspace.ListWorkspaceRequest{Path: dir})
	if err != nil || len(objs) != 1 || objs[0].Path != dir+"/x y" {
		t.Fatalf("list = %+v, %v", objs, err)
	}
	if got, _ := wsExport(t, w, dir+"/x y", ""); got != "# Databricks notebook source\n1" {
		t.Fatalf("export = %q", got)
	}
}

// Content over 10 MB is refused on import (JSON and multipart) and on export
// with 400 MAX_NOTEBOOK_SIZE_EXCEEDED; exactly 10 MB imports.
func TestWorkspaceSizeLimit(t *testing.T) {
	srv, w := wsStart(t)
	limit := 10 << 20
	big := strings.Repeat("x", limit)
	// JSON bodies are slow under -race; one clearly oversized body is enough
	// here, the exact boundary is checked through the multipart form below.
	// "eHh4" is base64 of "xxx": 11 MB of content without encoding it here.
	err := w.Workspace.Import(wsCtx, workspace.Import{Path: wsHome + "/big", Format: workspace.ImportFormatRaw,
		Content: strings.Repeat("eHh4", (11<<20)/3)})
	wantAPIError(t, err, 400, "MAX_NOTEBOOK_SIZE_EXCEEDED")
	if !errors.Is(err, databricks.ErrBadRequest) {
		t.Fatalf("err = %v, want ErrBadRequest", err)
	}
	auto := workspace.UploadFormat(workspace.ImportFormatAuto)
	err = w.Workspace.Upload(wsCtx, wsHome+"/big.txt", strings.NewReader(big+"x"), auto)
	wantAPIError(t, err, 400, "MAX_NOTEBOOK_SIZE_EXCEEDED")
	if err := w.Workspace.Upload(wsCtx, wsHome+"/big.txt", strings.NewReader(big), auto); err != nil {
		t.Fatalf("upload of exactly 10 MB: %v", err)
	}
	// A 10 MB notebook exists, but its SOURCE export (header added) is over the limit.
	if _, err := srv.SeedObject(emulator.SeedObject{Path: wsHome + "/nb", ObjectType: "NOTEBOOK",
		Language: "PYTHON", Content: big}); err != nil {
		t.Fatal(err)
	}
	_, err = w.Workspace.Export(wsCtx, workspace.ExportRequest{Path: wsHome + "/nb"})
	wantAPIError(t, err, 400, "MAX_NOTEBOOK_SIZE_EXCEEDED")
}

// Workspace.Upload's multipart body: default SOURCE takes the language from the
// extension and keeps the path; AUTO makes a file, or a notebook without the
// extension when the content has the header; Download/ReadFile read them back.
func TestWorkspaceUploadMultipart(t *testing.T) {
	_, w := wsStart(t)
	if err := w.Workspace.Upload(wsCtx, wsHome+"/n.py", strings.NewReader("print(1)")); err != nil {
		t.Fatal(err)
	}
	if info := wsStatus(t, w, wsHome+"/n.py"); info.ObjectType != workspace.ObjectTypeNotebook || info.Language != workspace.LanguagePython {
		t.Fatalf("n.py = %+v", info)
	}
	if got, err := w.Workspace.ReadFile(wsCtx, wsHome+"/n.py"); err != nil || string(got) != "# Databricks notebook source\nprint(1)" {
		t.Fatalf("ReadFile n.py = %q, %v", got, err)
	}
	err := w.Workspace.Upload(wsCtx, wsHome+"/s.scala", strings.NewReader("// Databricks notebook source\nval x = 1"),
		workspace.UploadFormat(workspace.ImportFormatAuto))
	if err != nil {
		t.Fatal(err)
	}
	if info := wsStatus(t, w, wsHome+"/s"); info.ObjectType != workspace.ObjectTypeNotebook || info.Language != workspace.LanguageScala {
		t.Fatalf("s = %+v", info)
	}
	rc, err := w.Workspace.Download(wsCtx, wsHome+"/s", workspace.DownloadFormat(workspace.ExportFormatSource))
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if got, _ := io.ReadAll(rc); string(got) != "// Databricks notebook source\nval x = 1" {
		t.Fatalf("Download s = %q", got)
	}
	if err := w.Workspace.Upload(wsCtx, wsHome+"/s.scala", strings.NewReader("x"), workspace.UploadFormat(workspace.ImportFormatAuto)); err != nil {
		t.Fatal(err)
	}
	if info := wsStatus(t, w, wsHome+"/s.scala"); info.ObjectType != workspace.ObjectTypeFile || info.Size != 1 {
		t.Fatalf("s.scala = %+v", info)
	}
	if err := w.Workspace.Upload(wsCtx, wsHome+"/s.scala", strings.NewReader("y"), workspace.UploadFormat(workspace.ImportFormatAuto)); !errors.Is(err, databricks.ErrResourceAlreadyExists) {
		t.Fatalf("upload without overwrite: err = %v", err)
	}
}

// WriteFile (AUTO + overwrite) and ReadFile round-trip workspace files, binary included.
func TestWorkspaceWriteReadFile(t *testing.T) {
	_, w := wsStart(t)
	data := []byte{0, 1, 2, 0xff, '\n', 'x'}
	for range 2 {
		if err := w.Workspace.WriteFile(wsCtx, wsHome+"/bin.dat", data); err != nil {
			t.Fatal(err)
		}
	}
	got, err := w.Workspace.ReadFile(wsCtx, wsHome+"/bin.dat")
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("ReadFile = %v, %v", got, err)
	}
	if _, fileType := wsExport(t, w, wsHome+"/bin.dat", workspace.ExportFormatAuto); fileType != "dat" {
		t.Fatalf("file_type = %q", fileType)
	}
}

// AUTO through the JSON body: a notebook extension with the header becomes a
// notebook without the extension; without the header it stays a FILE.
func TestWorkspaceAutoImport(t *testing.T) {
	_, w := wsStart(t)
	wsImport(t, w, workspace.Import{Path: wsHome + "/q.sql", Format: workspace.ImportFormatAuto,
		Content: b64("-- Databricks notebook source\nselect 1")})
	wsImport(t, w, workspace.Import{Path: wsHome + "/p.py", Format: workspace.ImportFormatAuto, Content: b64("print(1)")})
	wsImport(t, w, workspace.Import{Path: wsHome + "/wrong.sql", Format: workspace.ImportFormatAuto,
		Content: b64("# Databricks notebook source\nselect 1")})
	objs, err := w.Workspace.ListAll(wsCtx, workspace.ListWorkspaceRequest{Path: wsHome})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, o := range objs {
		got[o.Path] = string(o.ObjectType) + "/" + string(o.Language)
	}
	want := map[string]string{wsHome + "/q": "NOTEBOOK/SQL", wsHome + "/p.py": "FILE/", wsHome + "/wrong.sql": "FILE/"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("objects = %v, want %v", got, want)
	}
}

// A notebook exported as JUPYTER imports back (JUPYTER) to the same source,
// markdown cells included; HTML gives a page.
func TestWorkspaceJupyterRoundTrip(t *testing.T) {
	_, w := wsStart(t)
	src := "# Databricks notebook source\n# MAGIC %md\n# MAGIC # Title\n# MAGIC\n# MAGIC text\n\n# COMMAND ----------\n\nx = 1\nprint(x)"
	wsImport(t, w, workspace.Import{Path: wsHome + "/nb", Format: workspace.ImportFormatSource,
		Language: workspace.LanguagePython, Content: b64(src)})
	ipynb, fileType := wsExport(t, w, wsHome+"/nb", workspace.ExportFormatJupyter)
	if fileType != "ipynb" || !json.Valid([]byte(ipynb)) {
		t.Fatalf("jupyter export = %s (%s)", ipynb, fileType)
	}
	wsImport(t, w, workspace.Import{Path: wsHome + "/copy", Format: workspace.ImportFormatJupyter, Content: b64(ipynb)})
	if got, _ := wsExport(t, w, wsHome+"/copy", workspace.ExportFormatSource); got != src {
		t.Fatalf("after Jupyter round trip:\n%q\nwant\n%q", got, src)
	}
	wsImport(t, w, workspace.Import{Path: wsHome + "/auto.ipynb", Format: workspace.ImportFormatAuto, Content: b64(ipynb)})
	if info := wsStatus(t, w, wsHome+"/auto"); info.ObjectType != workspace.ObjectTypeNotebook || info.Language != workspace.LanguagePython {
		t.Fatalf("auto.ipynb = %+v", info)
	}
	if page, fileType := wsExport(t, w, wsHome+"/nb", workspace.ExportFormatHtml); fileType != "html" || !strings.Contains(page, "<html>") {
		t.Fatalf("html export = %s (%s)", page, fileType)
	}
}

// A folder cannot be exported as a single-notebook format, nor a file as a
// notebook format: 400.
func TestWorkspaceExportUnsupported(t *testing.T) {
	_, w := wsStart(t)
	wsImport(t, w, workspace.Import{Path: wsHome + "/f.txt", Format: workspace.ImportFormatAuto, Content: b64("x")})
	for path, format := range map[string]workspace.ExportFormat{
		wsHome:            workspace.ExportFormatJupyter,
		"/Shared":         workspace.ExportFormatHtml,
		wsHome + "/f.txt": workspace.ExportFormatJupyter,
	} {
		_, err := w.Workspace.Export(wsCtx, workspace.ExportRequest{Path: path, Format: format})
		if !errors.Is(err, databricks.ErrBadRequest) {
			t.Fatalf("export %s as %s: err = %v, want ErrBadRequest", path, format, err)
		}
	}
}

// A large estate seeds quickly and a folder lists only its own entries, sorted.
func TestWorkspaceLargeTree(t *testing.T) {
	srv, w := wsStart(t)
	const folders, perFolder = 100, 100
	for i := range folders * perFolder {
		_, err := srv.SeedObject(emulator.SeedObject{Path: fmt.Sprintf("/Shared/f%03d/nb%03d", i%folders, i/folders),
			ObjectType: "NOTEBOOK", Language: "PYTHON", Content: "1"})
		if err != nil {
			t.Fatal(err)
		}
	}
	if got, want := srv.WorkspaceObjectCount(), 4+folders+folders*perFolder; got != want {
		t.Fatalf("count = %d, want %d", got, want)
	}
	objs, err := w.Workspace.ListAll(wsCtx, workspace.ListWorkspaceRequest{Path: "/Shared/f042"})
	if err != nil || len(objs) != perFolder || !slices.IsSorted(wsPaths(objs)) || objs[0].Path != "/Shared/f042/nb000" {
		t.Fatalf("list = %d objects, %v", len(objs), err)
	}
}

// SeedObject makes parents, strips the notebook header like a SOURCE import,
// returns the object_id get-status reports, and refuses duplicates.
func TestWorkspaceSeedObject(t *testing.T) {
	srv, w := wsStart(t)
	id, err := srv.SeedObject(emulator.SeedObject{Path: "/Shared/a/b/nb", ObjectType: "NOTEBOOK",
		Language: "SCALA", Content: "// Databricks notebook source\nval x = 1"})
	if err != nil {
		t.Fatal(err)
	}
	if info := wsStatus(t, w, "/Shared/a/b/nb"); info.ObjectId != id || info.ResourceId != fmt.Sprint(id) {
		t.Fatalf("status = %+v, seeded id %d", info, id)
	}
	if got, _ := wsExport(t, w, "/Shared/a/b/nb", ""); got != "// Databricks notebook source\nval x = 1" {
		t.Fatalf("export = %q", got)
	}
	dirID, err := srv.SeedObject(emulator.SeedObject{Path: "/Shared/a", ObjectType: "DIRECTORY"})
	if err != nil || dirID != wsStatus(t, w, "/Shared/a").ObjectId {
		t.Fatalf("seed existing dir = %d, %v", dirID, err)
	}
	if _, err := srv.SeedObject(emulator.SeedObject{Path: "/Shared/a/b/nb", ObjectType: "FILE"}); err == nil {
		t.Fatal("seeding over an existing notebook succeeded")
	}
	if _, err := srv.SeedObject(emulator.SeedObject{Path: "/Shared/x", ObjectType: "NOTEBOOK"}); err == nil {
		t.Fatal("seeding a notebook without language succeeded")
	}
}

// Concurrent imports and listings are safe (run with -race) and none is lost.
func TestWorkspaceConcurrentImports(t *testing.T) {
	srv, _ := wsStart(t)
	// An own transport whose idle connections are closed before the server
	// stops: http.Server.Shutdown waits 5 s for connections that were dialled
	// under concurrency but never carried a request.
	transport := &http.Transport{}
	t.Cleanup(transport.CloseIdleConnections)
	w, err := databricks.NewWorkspaceClient(&databricks.Config{Host: srv.URL(), Token: srv.Token(),
		AuthType: "pat", RetryTimeoutSeconds: 30, RateLimitPerSecond: 10000, HTTPTransport: transport})
	if err != nil {
		t.Fatal(err)
	}
	before := srv.WorkspaceObjectCount()
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := range 20 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			errs <- w.Workspace.Import(wsCtx, workspace.Import{Path: fmt.Sprintf("%s/c%02d", wsHome, i),
				Format: workspace.ImportFormatSource, Language: workspace.LanguagePython, Content: b64("1")})
		}()
		go func() {
			defer wg.Done()
			_, err := w.Workspace.ListAll(wsCtx, workspace.ListWorkspaceRequest{Path: wsHome})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := srv.WorkspaceObjectCount(); got != before+20 {
		t.Fatalf("count = %d, want %d", got, before+20)
	}
}
