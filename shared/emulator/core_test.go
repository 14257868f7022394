package emulator_test

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/databricks/databricks-sdk-go"
	"github.com/databricks/databricks-sdk-go/apierr"
	"github.com/databricks/databricks-sdk-go/service/compute"

	"github.com/drsync/drsync/shared/emulator"
	"github.com/drsync/drsync/shared/emulator/emutest"
)

// readSample returns a body from testdata/samples: verbatim copies of the
// reference's shared/reference/samples (real API responses).
func readSample(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "samples", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// A request without a bearer token is refused with 401, as the service does.
func TestMissingTokenIs401(t *testing.T) {
	srv, _ := emutest.Start(t, emulator.Options{})
	resp, err := http.Get(srv.URL() + "/api/2.0/instance-pools/list")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("status = %d, want 401", resp.StatusCode)
	}
}

// A wrong token is refused; the SDK reports it as permission denied.
func TestWrongTokenIsRefused(t *testing.T) {
	srv, _ := emutest.Start(t, emulator.Options{})
	w, err := databricks.NewWorkspaceClient(&databricks.Config{
		Host: srv.URL(), Token: "dapi-wrong", AuthType: "pat", RetryTimeoutSeconds: 5,
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = w.CurrentUser.Me(context.Background())
	if !errors.Is(err, databricks.ErrPermissionDenied) {
		t.Fatalf("err = %v, want ErrPermissionDenied", err)
	}
}

// CurrentWorkspaceID reads X-Databricks-Org-Id from SCIM Me; without the header it fails.
func TestWorkspaceIDFromOrgHeader(t *testing.T) {
	_, w := emutest.Start(t, emulator.Options{WorkspaceID: 4242})
	id, err := w.CurrentWorkspaceID(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if id != 4242 {
		t.Fatalf("workspace id = %d, want 4242", id)
	}
	me, err := w.CurrentUser.Me(context.Background())
	if err != nil || me.UserName == "" || !me.Active {
		t.Fatalf("Me = %+v, %v", me, err)
	}
}

// An unknown endpoint answers 404 ENDPOINT_NOT_FOUND in JSON, never a panic or HTML.
func TestUnknownEndpoint(t *testing.T) {
	_, w := emutest.Start(t, emulator.Options{})
	err := w.Clusters.ChangeOwner(context.Background(), compute.ChangeClusterOwner{ClusterId: "x", OwnerUsername: "y"})
	var ae *apierr.APIError
	if !errors.As(err, &ae) || ae.StatusCode != 404 || ae.ErrorCode != "ENDPOINT_NOT_FOUND" {
		t.Fatalf("err = %#v, want 404 ENDPOINT_NOT_FOUND", err)
	}
}

// Scripted 429s are retried by the SDK until they stop; the emulator counts every attempt.
func TestThrottleIsRetriedBySDK(t *testing.T) {
	srv, w := emutest.Start(t, emulator.Options{})
	srv.InjectFault(emulator.Fault{Endpoint: "GET /api/2.0/preview/scim/v2/Me", Kind: emulator.Throttle, Times: 1})
	if _, err := w.CurrentUser.Me(context.Background()); err != nil {
		t.Fatalf("Me after one 429: %v", err)
	}
	if got := srv.RequestCount("GET /api/2.0/preview/scim/v2/Me"); got != 2 {
		t.Fatalf("requests = %d, want 2 (one throttled, one retried)", got)
	}
}

// A 500 is not retried by the SDK: the error surfaces after one attempt.
func TestInternalErrorIsNotRetried(t *testing.T) {
	srv, w := emutest.Start(t, emulator.Options{})
	srv.InjectFault(emulator.Fault{Kind: emulator.InternalError, Times: 1})
	_, err := w.CurrentUser.Me(context.Background())
	if !errors.Is(err, apierr.ErrInternalError) {
		t.Fatalf("err = %v, want ErrInternalError", err)
	}
	if got := srv.RequestCount("GET /api/2.0/preview/scim/v2/Me"); got != 1 {
		t.Fatalf("requests = %d, want 1", got)
	}
}

// A dropped connection ("connection reset by peer") is retried by the SDK.
func TestDroppedConnectionIsRetried(t *testing.T) {
	srv, w := emutest.Start(t, emulator.Options{})
	srv.InjectFault(emulator.Fault{Kind: emulator.Drop, Times: 1})
	if _, err := w.CurrentUser.Me(context.Background()); err != nil {
		t.Fatalf("Me after a dropped connection: %v", err)
	}
	if srv.FaultsFired() != 1 {
		t.Fatalf("faults fired = %d, want 1", srv.FaultsFired())
	}
}

// Injected latency delays the response by at least the configured amount.
func TestLatencyFault(t *testing.T) {
	srv, w := emutest.Start(t, emulator.Options{})
	srv.InjectFault(emulator.Fault{Kind: emulator.Latency, Delay: 50 * time.Millisecond, Times: 1})
	start := time.Now()
	if _, err := w.CurrentUser.Me(context.Background()); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Fatalf("took %v, want >= 50ms", d)
	}
}

// A built-in rate limit answers 429 with Retry-After (whole seconds until the
// bucket refills). databricks-sdk-go v0.118.0 does not read the header (its
// backoff is attempt × 1 s plus jitter, reference §1.6), but its first retry
// comes no sooner than this Retry-After: the emulator, which refuses every
// request until the bucket refills, serves the retried call.
func TestThrottleSendsRetryAfterAndSDKRetriesAfterIt(t *testing.T) {
	srv, w := emutest.Start(t, emulator.Options{})
	const me = "/api/2.0/preview/scim/v2/Me"
	srv.SetRateLimit("GET "+me, 1)
	if status := rawStatus(t, srv, me, srv.Token()); status != http.StatusOK {
		t.Fatalf("first call: %d", status)
	}
	req, _ := http.NewRequest(http.MethodGet, srv.URL()+me, nil)
	req.Header.Set("Authorization", "Bearer "+srv.Token())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "1" {
		t.Fatalf("over the limit: status %d Retry-After %q, want 429 and 1", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if _, err := w.CurrentUser.Me(context.Background()); err != nil {
		t.Fatalf("Me through the SDK: %v", err)
	}
	if n := srv.RequestCount("GET " + me); n != 4 {
		t.Fatalf("requests = %d, want 4: two raw, one throttled SDK call and its one retry", n)
	}
}
