package handler

import (
	"encoding/json"
	"slices"
	"testing"
	"time"
)

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
