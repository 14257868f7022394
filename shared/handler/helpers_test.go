package handler_test

import (
	"strings"
	"testing"

	"github.com/drsync/drsync/shared/awstest"
	"github.com/drsync/drsync/shared/handler/handlertest"
)

func TestMain(m *testing.M) { awstest.Main(m) }

// lastEMF is the last EMF document the function wrote.
func lastEMF(t *testing.T, out *handlertest.Output) map[string]any {
	t.Helper()
	docs := handlertest.EMF(out.Metrics.String())
	if len(docs) == 0 {
		t.Fatalf("no EMF line written; logs:\n%s", out.Logs.String())
	}
	return docs[len(docs)-1]
}

// mustContain fails unless s holds every part.
func mustContain(t *testing.T, s string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(s, p) {
			t.Errorf("%q does not mention %q", s, p)
		}
	}
}
