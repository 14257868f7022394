package sfntest

import (
	"errors"
	"strings"
	"testing"
)

// When node cannot load the tools, Start's error carries node's stderr, so
// the failure explains itself.
func TestStartFailureShowsNodesStderr(t *testing.T) {
	node, _ := tools(t)
	i, err := start(t.Context(), node, t.TempDir()) // a tools folder without node_modules
	if err == nil {
		_ = i.stop()
		t.Fatal("start succeeded without the tools")
	}
	if !errors.Is(err, ErrHarness) || !strings.Contains(err.Error(), "Cannot find module 'aws-local-stepfunctions'") {
		t.Errorf("start = %v, want ErrHarness with node's stderr naming the missing module", err)
	}
}
