//go:build linux

package rie_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/drsync/drsync/shared/sfntest/rie"
)

// invoke posts payload to fn and returns the HTTP status and body.
func invoke(t *testing.T, fn *rie.Function, payload string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, fn.URL(), strings.NewReader(payload))
	if err != nil {
		t.Error(err)
		return 0, ""
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Errorf("invoke: %v\n%s", err, fn.Logs())
		return 0, ""
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Error(err)
	}
	return resp.StatusCode, string(body)
}

// The RIE crashes when a second invoke arrives while one is in flight; the
// front must make concurrent callers take turns, and count them.
func TestConcurrentInvokesAreServedOneAtATime(t *testing.T) {
	t.Parallel()
	fn := rie.Start(t, rie.Build(t, "../internal/probe"), rie.Options{Name: "probe"})
	const callers = 6
	var wg sync.WaitGroup
	for n := range callers {
		wg.Go(func() {
			status, body := invoke(t, fn, fmt.Sprintf(`{"key":"k%d"}`, n))
			var out struct {
				OK bool `json:"ok"`
			}
			if status != http.StatusOK || json.Unmarshal([]byte(body), &out) != nil || !out.OK {
				t.Errorf("caller %d: HTTP %d %s, want 200 with the function's output", n, status, body)
			}
		})
	}
	wg.Wait()
	if got := fn.Invocations(); got != callers {
		t.Errorf("Invocations() = %d, want %d", got, callers)
	}
}

// A function error comes back as the RIE sends it: HTTP 200 and the Lambda
// error document naming the Go type.
func TestFunctionErrorIsTheLambdaErrorDocument(t *testing.T) {
	t.Parallel()
	fn := rie.Start(t, rie.Build(t, "../internal/probe"), rie.Options{})
	status, body := invoke(t, fn, `{"do":"fail"}`)
	if want := `{"errorMessage":"not ready: target workspace unreachable","errorType":"ReadinessError"}`; status != http.StatusOK || body != want {
		t.Errorf("HTTP %d %s, want 200 %s", status, body, want)
	}
}

// Invoke tells a function's failure (a *FunctionError naming the Go type)
// from its answer; Stop waits for the output, which holds the cold start's
// init report, and an invoke after it is the invoke's own error.
func TestInvokeAndStop(t *testing.T) {
	t.Parallel()
	fn := rie.Start(t, rie.Build(t, "../internal/probe"), rie.Options{Name: "probe"})
	body, err := fn.Invoke(t.Context(), []byte(`{"key":"a"}`))
	if err != nil || !strings.Contains(string(body), `"ok":true`) {
		t.Fatalf("Invoke = %s, %v; want the function's output", body, err)
	}
	_, err = fn.Invoke(t.Context(), []byte(`{"do":"fail"}`))
	var ferr *rie.FunctionError
	if !errors.As(err, &ferr) || ferr.Type != "ReadinessError" {
		t.Errorf("Invoke of a failing function = %v, want a *FunctionError of type ReadinessError", err)
	}
	if err := fn.Stop(); err != nil {
		t.Fatal(err)
	}
	if fn.FirstResponse() <= 0 || fn.InitDuration() <= 0 {
		t.Errorf("FirstResponse %s, InitDuration %s; want both measured\n%s", fn.FirstResponse(), fn.InitDuration(), fn.Logs())
	}
	if _, err := fn.Invoke(t.Context(), []byte(`{}`)); err == nil || errors.As(err, &ferr) {
		t.Errorf("Invoke after Stop = %v, want the invoke's own error", err)
	}
}
