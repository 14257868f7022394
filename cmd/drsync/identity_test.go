package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// One workspace reached by two URLs (127.0.0.1 and localhost) is refused
// before anything is read or written, by the ids the service states: a
// host-string check cannot see it, and three syncs used to copy the
// workspace into itself.
func TestSameWorkspaceByTwoURLsRefused(t *testing.T) {
	p := newPair(t)
	t.Setenv("DRSYNC_TARGET_TOKEN", p.src.Token())
	alias := strings.Replace(p.src.URL(), "127.0.0.1", "localhost", 1)
	p.src.ResetRequests()
	for _, cmd := range []string{"sync", "plan"} {
		var out, errb bytes.Buffer
		code := run(context.Background(), []string{cmd, "--source", p.src.URL(), "--target", alias,
			"--ledger", p.ledger, "--config", p.config, "--no-progress"}, &out, &errb)
		if code != exitUsage || !strings.Contains(errb.String(), "same workspace") {
			t.Errorf("%s: exit %d, stderr %q; want exit 2 naming the same workspace", cmd, code, errb.String())
		}
	}
	if n := mutations(p.src); n != 0 {
		t.Errorf("%d writes reached the workspace", n)
	}
	if n := p.src.RequestCount("GET /api/2.2/jobs/list"); n != 0 {
		t.Errorf("the workspace was listed (%d jobs/list) before the refusal", n)
	}
}
