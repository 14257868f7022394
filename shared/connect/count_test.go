package connect

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/databricks/databricks-sdk-go/service/jobs"

	"github.com/drsync/drsync/shared/config"
	"github.com/drsync/drsync/shared/emulator"
)

// Requests sent under CountRequests are counted, pages and retries
// included; others are not.
func TestCountRequests(t *testing.T) {
	srv := startEmulator(t, emulator.Options{RateLimits: map[string]float64{}})
	for i := range 3 {
		if _, err := srv.SeedJob([]byte(`{"name": "j` + string(rune('a'+i)) + `"}`)); err != nil {
			t.Fatal(err)
		}
	}
	srv.InjectFault(emulator.Fault{Endpoint: "GET /api/2.2/jobs/list", Kind: emulator.Unavailable, Times: 1})
	t.Setenv("EMU_TOKEN", srv.Token())
	ep := config.Endpoint{Host: srv.URL(), Auth: config.Auth{Type: config.AuthPAT, TokenEnv: "EMU_TOKEN"}}
	w, err := Workspace(t.Context(), Target, ep, testOptions())
	if err != nil {
		t.Fatal(err)
	}
	var n atomic.Int64
	ctx := CountRequests(t.Context(), &n)
	if _, err := w.Jobs.ListAll(ctx, jobs.ListJobsRequest{Limit: 2}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.CurrentUser.Me(context.WithoutCancel(t.Context())); err != nil {
		t.Fatal(err)
	}
	served := srv.RequestCount("GET /api/2.2/jobs/list")
	if n.Load() != served || served != 3 {
		t.Fatalf("counted %d, jobs/list served %d, want 3 (a retried page and a second page)", n.Load(), served)
	}
}
