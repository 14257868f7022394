package catalog

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/databricks/databricks-sdk-go/apierr"

	"github.com/drsync/drsync/shared/emulator"
	"github.com/drsync/drsync/shared/resource"
)

// A failed read is returned wrapped with what was being read, and stays
// classifiable as the SDK's error; nothing of it is kept, so a later Load
// reads it again.
func TestLoadErrorSaysWhatWasRead(t *testing.T) {
	p := newPair(t, nil)
	if err := p.dr.SeedSecretScope("etl", map[string]string{"token": "x"}); err != nil {
		t.Fatal(err)
	}
	p.dr.InjectFault(emulator.Fault{Endpoint: "GET /api/2.0/secrets/list", Kind: emulator.InternalError, Times: 1})
	c := p.catalog(IDMap{})
	docs := []resource.Doc{mustDoc(t, `{"spark_conf": {"a": "{{secrets/etl/token}}"}}`)}
	err := c.LoadChecks(context.Background(), docs)
	if err == nil || !strings.Contains(err.Error(), `read the keys of DR secret scope "etl"`) || !errors.Is(err, apierr.ErrInternalError) {
		t.Fatalf("LoadChecks error = %v, want it to name the scope read and be ErrInternalError", err)
	}
	if err := c.LoadChecks(context.Background(), docs); err != nil {
		t.Fatalf("LoadChecks after the fault: %v", err)
	}
	if b := c.Check(docs[0]); len(b) != 0 {
		t.Fatalf("Check after a good load: %v", b)
	}
}

// A workspace without drsync's client is refused by name, before any call.
func TestLoadRefusesOtherClients(t *testing.T) {
	c := New(resource.Workspace{Side: "source", API: "not a client"}, resource.Workspace{Side: "target"}, IDMap{})
	err := c.LoadRefs(context.Background(), []resource.Doc{{"tasks": []any{map[string]any{"sql_task": map[string]any{"warehouse_id": "w"}}}}})
	if err == nil || !strings.Contains(err.Error(), "source workspace: API is string") {
		t.Fatalf("LoadRefs error = %v", err)
	}
}
