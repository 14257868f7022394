package handler

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/drsync/drsync/shared/auditlog"
	"github.com/drsync/drsync/shared/resource"
	"github.com/drsync/drsync/shared/resource/kinds"
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

// A record's key covers the object it names and, for a folder or a path of
// unknown kind, what lies under it; nothing else.
func TestKeyCoversObject(t *testing.T) {
	paths := resource.PathKinds(kinds.All())
	for _, tc := range []struct {
		key  auditlog.Key
		obj  resource.Ref
		want bool
	}{
		{auditlog.Key{Kind: "job", Key: "12"}, resource.Ref{Kind: "job", Key: "12"}, true},
		{auditlog.Key{Kind: "job", Key: "12"}, resource.Ref{Kind: "job", Key: "123"}, false},
		{auditlog.Key{Kind: "job", Key: "12"}, resource.Ref{Kind: "cluster", Key: "12"}, false},
		{auditlog.Key{Kind: "notebook", Key: "/a/b"}, resource.Ref{Kind: "notebook", Key: "/a/b"}, true},
		{auditlog.Key{Kind: "notebook", Key: "/a/b"}, resource.Ref{Kind: "notebook", Key: "/a/bc"}, false},
		{auditlog.Key{Kind: "directory", Key: "/a"}, resource.Ref{Kind: "notebook", Key: "/a/b"}, true},
		{auditlog.Key{Kind: "directory", Key: "/a"}, resource.Ref{Kind: "file", Key: "/ab/c"}, false},
		{auditlog.Key{Kind: resource.KindPath, Key: "/a/"}, resource.Ref{Kind: "directory", Key: "/a"}, true},
		{auditlog.Key{Kind: resource.KindPath, Key: "/a"}, resource.Ref{Kind: "job", Key: "/a"}, false},
	} {
		if got := covers(tc.key, tc.obj, paths); got != tc.want {
			t.Errorf("covers(%v, %v) = %v, want %v", tc.key, tc.obj, got, tc.want)
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
