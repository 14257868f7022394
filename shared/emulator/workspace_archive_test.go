package emulator_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"
	"testing"

	"github.com/databricks/databricks-sdk-go"
	"github.com/databricks/databricks-sdk-go/service/workspace"

	"github.com/drsync/drsync/shared/emulator"
	"github.com/drsync/drsync/shared/emulator/emutest"
)

// A folder exports as one archive (SOURCE: a zip of notebook sources; DBC:
// the Databricks archive) that a directory import turns back into the same
// tree, notebooks with the same language and source; SOURCE and DBC archives
// leave workspace files out, as documented.
func TestFolderExportRoundTripsThroughImport(t *testing.T) {
	srv, w := emutest.Start(t, emulator.Options{RateLimits: map[string]float64{}})
	ctx := context.Background()
	seedTree(t, srv)
	for _, format := range []workspace.ExportFormat{workspace.ExportFormatSource, workspace.ExportFormatDbc} {
		exp, err := w.Workspace.Export(ctx, workspace.ExportRequest{Path: "/Shared/team", Format: format})
		if err != nil {
			t.Fatalf("export %s: %v", format, err)
		}
		data, _ := base64.StdEncoding.DecodeString(exp.Content)
		if _, err := zip.NewReader(bytes.NewReader(data), int64(len(data))); err != nil {
			t.Fatalf("%s export is not a zip archive: %v", format, err)
		}
		dst := "/Shared/copy-" + string(format)
		imp := workspace.Import{Path: dst, Format: workspace.ImportFormat(format), Content: exp.Content}
		if err := w.Workspace.Import(ctx, imp); err != nil {
			t.Fatalf("import the %s archive: %v", format, err)
		}
		want := []string{"/etl/load:SCALA", "/etl/run:PYTHON", "/report:SQL"}
		if got := treeOf(t, w, dst); !slices.Equal(got, want) {
			t.Fatalf("%s round trip: %v, want %v", format, got, want)
		}
		if st, err := w.Workspace.GetStatusByPath(ctx, dst+"/empty"); err != nil || st.ObjectType != workspace.ObjectTypeDirectory {
			t.Fatalf("%s round trip lost the empty folder: %+v, %v", format, st, err)
		}
		a, _ := w.Workspace.Export(ctx, workspace.ExportRequest{Path: "/Shared/team/etl/run"})
		b, _ := w.Workspace.Export(ctx, workspace.ExportRequest{Path: dst + "/etl/run"})
		if a == nil || b == nil || a.Content != b.Content {
			t.Fatalf("%s round trip changed the notebook source", format)
		}
		if err := w.Workspace.Import(ctx, imp); !errors.Is(err, databricks.ErrResourceAlreadyExists) {
			t.Fatalf("second import over %s: %v, want RESOURCE_ALREADY_EXISTS", dst, err)
		}
	}
}

// A single notebook round-trips through a DBC archive too.
func TestNotebookDBCRoundTrip(t *testing.T) {
	srv, w := emutest.Start(t, emulator.Options{})
	ctx := context.Background()
	seedTree(t, srv)
	exp, err := w.Workspace.Export(ctx, workspace.ExportRequest{Path: "/Shared/team/report", Format: workspace.ExportFormatDbc})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Workspace.Import(ctx, workspace.Import{Path: "/Shared/report-copy", Format: workspace.ImportFormatDbc, Content: exp.Content}); err != nil {
		t.Fatal(err)
	}
	st, err := w.Workspace.GetStatusByPath(ctx, "/Shared/report-copy")
	if err != nil || st.ObjectType != workspace.ObjectTypeNotebook || st.Language != workspace.LanguageSql {
		t.Fatalf("imported = %+v, %v; want a SQL notebook", st, err)
	}
}

// A DBC archive holds one NotebookV1 document per notebook, named by its
// language, with a command per cell.
func TestFolderExportDBCShape(t *testing.T) {
	srv, w := emutest.Start(t, emulator.Options{})
	seedTree(t, srv)
	exp, err := w.Workspace.Export(context.Background(), workspace.ExportRequest{Path: "/Shared/team", Format: workspace.ExportFormatDbc})
	if err != nil || exp.FileType != "dbc" {
		t.Fatalf("export: %+v, %v", exp, err)
	}
	data, _ := base64.StdEncoding.DecodeString(exp.Content)
	zr, _ := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	var doc struct {
		Version, Name, Language string
		Commands                []struct{ Command string }
	}
	for _, f := range zr.File {
		if f.Name != "team/etl/run.python" {
			continue
		}
		rc, _ := f.Open()
		err := json.NewDecoder(rc).Decode(&doc)
		_ = rc.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	if doc.Version != "NotebookV1" || doc.Name != "run" || doc.Language != "python" || len(doc.Commands) != 2 || doc.Commands[1].Command != "print(2)" {
		t.Fatalf("team/etl/run.python = %+v", doc)
	}
}

// seedTree makes /Shared/team: two notebooks in etl/, a SQL notebook, a
// workspace file and an empty folder.
func seedTree(t *testing.T, srv *emulator.Server) {
	t.Helper()
	for _, o := range []emulator.SeedObject{
		{Path: "/Shared/team/etl/run", ObjectType: "NOTEBOOK", Language: "PYTHON", Content: "print(1)\n\n# COMMAND ----------\n\nprint(2)"},
		{Path: "/Shared/team/etl/load", ObjectType: "NOTEBOOK", Language: "SCALA", Content: "val x = 1"},
		{Path: "/Shared/team/report", ObjectType: "NOTEBOOK", Language: "SQL", Content: "SELECT 1"},
		{Path: "/Shared/team/notes.txt", ObjectType: "FILE", Content: "not in a SOURCE or DBC archive"},
		{Path: "/Shared/team/empty", ObjectType: "DIRECTORY"},
	} {
		if _, err := srv.SeedObject(o); err != nil {
			t.Fatal(err)
		}
	}
}

// treeOf lists the notebooks and files below root (the SDK's recursive list
// leaves folders out) as "/rel" or "/rel:LANGUAGE", sorted.
func treeOf(t *testing.T, w *databricks.WorkspaceClient, root string) []string {
	t.Helper()
	objs, err := w.Workspace.RecursiveList(context.Background(), root)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, o := range objs {
		entry := o.Path[len(root):]
		if o.Language != "" {
			entry += ":" + string(o.Language)
		}
		out = append(out, entry)
	}
	slices.Sort(out)
	return out
}
