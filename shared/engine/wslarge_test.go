package engine_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"strings"
	"testing"

	"github.com/databricks/databricks-sdk-go"
	"github.com/databricks/databricks-sdk-go/service/workspace"

	"github.com/drsync/drsync/shared/connect"
	"github.com/drsync/drsync/shared/emulator"
	"github.com/drsync/drsync/shared/emulator/emutest"
	"github.com/drsync/drsync/shared/plan"
)

// largeIpynb is a Jupyter notebook with an output and a widget: what only a
// JUPYTER copy keeps.
const largeIpynb = `{"cells":[{"cell_type":"code","execution_count":1,"metadata":{},` +
	`"outputs":[{"name":"stdout","output_type":"stream","text":["2\n"]}],"source":["print(1+1)"]}],` +
	`"metadata":{"application/vnd.databricks.v1+notebook":{"widgets":{"w":{"defaultValue":"a"}}},` +
	`"language_info":{"name":"python"}},"nbformat":4,"nbformat_minor":0}`

// A full sync copies a 12 MB workspace file (over the JSON calls' limit), an
// IPYNB notebook (as an IPYNB notebook) and a source notebook (as a source
// notebook); the next run changes nothing and, on either side, neither reads
// nor writes a workspace object: listings only.
func TestSyncLargeFileAndIpynbNotebook(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	big := make([]byte, 12<<20)
	for i := range big {
		big[i] = byte(i*31 + i/997)
	}
	if _, err := f.src.SeedObject(emulator.SeedObject{Path: "/Shared/large/big.bin", ObjectType: "FILE", Content: string(big)}); err != nil {
		t.Fatal(err)
	}
	err := f.srcW.Workspace.Import(ctx, workspace.Import{Path: "/Shared/large/analysis", Format: workspace.ImportFormatJupyter,
		Content: base64.StdEncoding.EncodeToString([]byte(largeIpynb))})
	if err != nil {
		t.Fatal(err)
	}
	put(t, f.srcW, "/Shared/large/plain", "print(1)")

	first := f.sync(t)
	if first.Summary().Create == 0 {
		t.Fatal("first sync created nothing")
	}
	if got := download(t, f.tgtW, "/Shared/large/big.bin", workspace.ExportFormatAuto); !bytes.Equal(got, big) {
		t.Fatalf("target file has %d bytes, want %d", len(got), len(big))
	}
	tgt := emutest.Workspace(t, f.tgt, "target").API.(*connect.Client)
	for path, want := range map[string]string{"/Shared/large/analysis": "JUPYTER", "/Shared/large/plain": "SOURCE"} {
		if info, err := tgt.StatusWithExportInfo(ctx, path); err != nil || info.ReposExportFormat != want {
			t.Errorf("%s in target: %+v, %v; want %s", path, info, err, want)
		}
	}
	if got := download(t, f.tgtW, "/Shared/large/analysis", workspace.ExportFormatJupyter); string(got) != largeIpynb {
		t.Errorf("target .ipynb = %s", got)
	}

	f.src.ResetRequests()
	f.tgt.ResetRequests()
	if again := f.sync(t); again.Mutations() != 0 {
		var b strings.Builder
		_ = plan.WriteText(&b, again)
		t.Fatalf("second sync is not quiet:\n%s", b.String())
	}
	for side, srv := range map[string]*emulator.Server{"source": f.src, "target": f.tgt} {
		for ep, n := range srv.Requests() {
			if strings.Contains(ep, "/workspace") && !strings.HasPrefix(ep, "GET /api/2.0/workspace/list") {
				t.Errorf("%s: no-change run called %s ×%d", side, ep, n)
			}
		}
	}
}

func download(t *testing.T, w *databricks.WorkspaceClient, path string, format workspace.ExportFormat) []byte {
	t.Helper()
	rc, err := w.Workspace.Download(context.Background(), path, workspace.DownloadFormat(format))
	if err != nil {
		t.Fatalf("download %s: %v", path, err)
	}
	defer rc.Close()
	data, _ := io.ReadAll(rc)
	return data
}
