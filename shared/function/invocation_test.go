package function_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/drsync/drsync/shared/function"
)

// The work's context ends a margin before the invocation's deadline: at
// most DefaultMaxMargin, a quarter of the time left for short
// invocations, and not at all without a deadline.
func TestWorkKeepsAMargin(t *testing.T) {
	now := time.Date(2026, 11, 26, 18, 0, 0, 0, time.UTC)
	c := &function.Core{Now: func() time.Time { return now }}
	for _, tc := range []struct{ left, want time.Duration }{
		{15 * time.Minute, 15*time.Minute - function.DefaultMaxMargin},
		{time.Minute, 45 * time.Second},
		{4 * time.Second, 3 * time.Second},
	} {
		ctx, cancel := context.WithDeadline(context.Background(), now.Add(tc.left))
		work, stop := c.Work(ctx)
		got, _ := work.Deadline()
		if got.Sub(now) != tc.want {
			t.Errorf("%v left: work deadline in %v, want %v", tc.left, got.Sub(now), tc.want)
		}
		stop()
		cancel()
	}
	work, stop := c.Work(context.Background())
	defer stop()
	if _, ok := work.Deadline(); ok {
		t.Error("a deadline appeared from nowhere")
	}
}

// Only a bare deadline of the work's context, while the invocation still
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
		if got := function.OnlyDeadline(tc.ctx, tc.work, tc.err); got != tc.want {
			t.Errorf("case %d: OnlyDeadline = %v, want %v", i, got, tc.want)
		}
	}
}
