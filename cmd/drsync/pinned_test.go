package main

import (
	"errors"
	"testing"

	"github.com/databricks/databricks-sdk-go"
	"github.com/databricks/databricks-sdk-go/service/compute"
)

// A cluster deleted in the source is deleted in DR although drsync pinned its
// DR copy: the service refuses to delete a pinned cluster, so drsync has to
// unpin it first (issue #9).
func TestDeletedClusterRemovesPinnedDRCopy(t *testing.T) {
	p := newPair(t)
	p.syncJSON(exitOK)
	src := clusterNamed(t, p.srcW, "alice-dev", false)
	dr := clusterNamed(t, p.tgtW, "alice-dev", true)
	if err := p.srcW.Clusters.PermanentDeleteByClusterId(ctx, src.ClusterId); err != nil {
		t.Fatal(err)
	}
	doc := p.syncJSON(exitOK)
	if s := doc.Summary; s.Delete != 1 || s.Failed != 0 {
		t.Fatalf("summary %+v, want 1 delete and no failure\n%s", s, doc)
	}
	if _, err := p.tgtW.Clusters.GetByClusterId(ctx, dr.ClusterId); !errors.Is(err, databricks.ErrResourceDoesNotExist) {
		t.Fatalf("DR copy %s: get = %v, want it gone", dr.ClusterId, err)
	}
}

// clusterNamed finds the one cluster called name, among the pinned ones only
// when pinned is set.
func clusterNamed(t *testing.T, w *databricks.WorkspaceClient, name string, pinned bool) compute.ClusterDetails {
	t.Helper()
	all, err := w.Clusters.ListAll(ctx, compute.ListClustersRequest{FilterBy: &compute.ListClustersFilterBy{IsPinned: pinned}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range all {
		if c.ClusterName == name {
			return c
		}
	}
	t.Fatalf("no cluster %q (pinned only: %v) among %d", name, pinned, len(all))
	return compute.ClusterDetails{}
}
