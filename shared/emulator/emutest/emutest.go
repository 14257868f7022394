// Package emutest starts emulated workspaces for tests and hands back a real
// databricks-sdk-go client configured for them.
package emutest

import (
	"context"
	"strings"

	"github.com/databricks/databricks-sdk-go"
	"github.com/databricks/databricks-sdk-go/config"
	"github.com/databricks/databricks-sdk-go/service/jobs"

	"github.com/drsync/drsync/shared/connect"
	"github.com/drsync/drsync/shared/emulator"
	"github.com/drsync/drsync/shared/fixture"
	"github.com/drsync/drsync/shared/resource"
)

// Start serves a new emulated workspace on a free loopback port, stops it when the
// test ends, and returns it with a WorkspaceClient built from an explicit config
// (so no DATABRICKS_* variable or profile can leak in) with a short retry budget.
// Unless opts sets cluster delays, cluster state changes complete by the next
// request, which keeps suites fast; a test that needs to see PENDING or
// TERMINATING sets the delays and a clock it moves (Options.Now).
func Start(t fixture.T, opts emulator.Options) (*emulator.Server, *databricks.WorkspaceClient) {
	t.Helper()
	srv := emulator.New(opts)
	if err := srv.Start(); err != nil {
		t.Fatalf("start emulator: %v", err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("stop emulator: %v", err)
		}
	})
	return srv, Client(t, srv)
}

// Client returns a WorkspaceClient for srv with PAT auth forced, the SDK's own
// rate limit lifted (tests measure the emulator's limits, not the client's) and a
// 30 s retry budget so a broken server fails a test instead of hanging it.
func Client(t fixture.T, srv *emulator.Server) *databricks.WorkspaceClient {
	t.Helper()
	w, err := databricks.NewWorkspaceClient(&databricks.Config{
		Host:                srv.URL(),
		Token:               srv.Token(),
		AuthType:            "pat",
		RetryTimeoutSeconds: 30,
		HTTPTimeoutSeconds:  30,
		RateLimitPerSecond:  10000,
		// Load nothing from the environment: DATABRICKS_* variables in CI must
		// not leak into a test client.
		Loaders: []config.Loader{noLoader{}},
	})
	if err != nil {
		t.Fatalf("workspace client: %v", err)
	}
	return w
}

// Workspace returns one side of a pair for srv as drsync's adapters take it:
// a connect.Client with the same explicit configuration as Client.
func Workspace(t fixture.T, srv *emulator.Server, side string) resource.Workspace {
	t.Helper()
	c, err := connect.NewClient(&config.Config{
		Host: srv.URL(), Token: srv.Token(), AuthType: "pat",
		RetryTimeoutSeconds: 30, HTTPTimeoutSeconds: 30, RateLimitPerSecond: 10000,
		Loaders: []config.Loader{noLoader{}},
	})
	if err != nil {
		t.Fatalf("workspace client: %v", err)
	}
	return resource.Workspace{Side: side, API: c}
}

// JobPauses maps each job of w, by name, to its pause statuses
// ("schedule=PAUSED,trigger=UNPAUSED"; a trigger or continuous run without
// one is UNPAUSED, as the service runs it): what warm DR changes and a
// failover must restore exactly.
func JobPauses(t fixture.T, w *databricks.WorkspaceClient) map[string]string {
	t.Helper()
	all, err := w.Jobs.ListAll(context.Background(), jobs.ListJobsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, j := range all {
		s := j.Settings
		var parts []string
		if s.Schedule != nil {
			parts = append(parts, "schedule="+string(s.Schedule.PauseStatus))
		}
		if s.Trigger != nil {
			parts = append(parts, "trigger="+string(orUnpaused(s.Trigger.PauseStatus)))
		}
		if s.Continuous != nil {
			parts = append(parts, "continuous="+string(orUnpaused(s.Continuous.PauseStatus)))
		}
		out[s.Name] = strings.Join(parts, ",")
	}
	return out
}

func orUnpaused(s jobs.PauseStatus) jobs.PauseStatus {
	if s == "" {
		return jobs.PauseStatusUnpaused
	}
	return s
}

type noLoader struct{}

func (noLoader) Name() string                   { return "emutest-explicit" }
func (noLoader) Configure(*config.Config) error { return nil }
