package handler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"
)

// The engine's context ends a margin before the invocation's deadline: at
// most DefaultMaxMargin, a quarter of the time left for short invocations,
// and not at all without a deadline.
func TestWorkContextKeepsAMargin(t *testing.T) {
	now := time.Date(2026, 11, 26, 18, 0, 0, 0, time.UTC)
	d := &Deps{Now: func() time.Time { return now }}
	for _, tc := range []struct{ left, want time.Duration }{
		{15 * time.Minute, 15*time.Minute - DefaultMaxMargin},
		{time.Minute, 45 * time.Second},
		{4 * time.Second, 3 * time.Second},
	} {
		ctx, cancel := context.WithDeadline(context.Background(), now.Add(tc.left))
		work, stop := d.work(ctx)
		got, _ := work.Deadline()
		if got.Sub(now) != tc.want {
			t.Errorf("%v left: engine deadline in %v, want %v", tc.left, got.Sub(now), tc.want)
		}
		stop()
		cancel()
	}
	work, stop := d.work(context.Background())
	defer stop()
	if _, ok := work.Deadline(); ok {
		t.Error("a deadline appeared from nowhere")
	}
}

// The SDK's retry budget is the config's, capped at a quarter of a known
// function timeout, never below a second.
func TestRetryBudget(t *testing.T) {
	for _, tc := range []struct{ configured, timeout, want time.Duration }{
		{60 * time.Second, 0, 60 * time.Second},
		{60 * time.Second, 5 * time.Minute, 60 * time.Second},
		{60 * time.Second, time.Minute, 15 * time.Second},
		{60 * time.Second, 2 * time.Second, time.Second},
		{0, 0, 60 * time.Second},
	} {
		if got := retryBudget(tc.configured, tc.timeout); got != tc.want {
			t.Errorf("retryBudget(%v, %v) = %v, want %v", tc.configured, tc.timeout, got, tc.want)
		}
	}
}

// Resource overrides are read as a comma list or an array.
func TestResourceListDecoding(t *testing.T) {
	for in, want := range map[string][]string{
		`"notebooks, jobs"`:    {"notebooks", "jobs"},
		`["notebooks","jobs"]`: {"notebooks", "jobs"},
		`""`:                   nil,
		`null`:                 nil,
	} {
		var got ResourceList
		if err := json.Unmarshal([]byte(in), &got); err != nil || !slices.Equal(got, want) {
			t.Errorf("%s → %q, %v; want %q", in, got, err, want)
		}
	}
	var bad ResourceList
	if err := json.Unmarshal([]byte(`{"notebooks":true}`), &bad); err == nil {
		t.Error("an object was accepted as a resource list")
	}
}

// Only a bare deadline of the engine's context, while the invocation still
// has time, counts as "stopped at the margin"; a run-record failure joined to
// it, or the invocation's own end, does not.
func TestOnlyDeadline(t *testing.T) {
	live := context.Background()
	ended, cancel := context.WithDeadline(live, time.Now().Add(-time.Second))
	defer cancel()
	dl := fmt.Errorf("apply: %w", context.DeadlineExceeded)
	cases := []struct {
		ctx, work context.Context
		err       error
		want      bool
	}{
		{live, ended, dl, true},
		{live, ended, errors.Join(dl, errors.New("record run: throttled")), false},
		{live, live, dl, false},
		{ended, ended, dl, false},
		{live, ended, errors.New("listing failed"), false},
		{live, ended, nil, false},
	}
	for i, tc := range cases {
		if got := onlyDeadline(tc.ctx, tc.work, tc.err); got != tc.want {
			t.Errorf("case %d: onlyDeadline = %v, want %v", i, got, tc.want)
		}
	}
}
