package emulator_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/databricks/databricks-sdk-go/apierr"
	"github.com/databricks/databricks-sdk-go/service/compute"

	"github.com/drsync/drsync/shared/emulator"
	"github.com/drsync/drsync/shared/emulator/emutest"
)

// The three catalog calls answer the workspace's catalog through the SDK.
func TestCatalogReadsDefault(t *testing.T) {
	srv, w := emutest.Start(t, emulator.Options{})
	ctx := context.Background()
	nodes, err := w.Clusters.ListNodeTypes(ctx)
	if err != nil {
		t.Fatalf("list node types: %v", err)
	}
	byID := map[string]compute.NodeType{}
	for _, n := range nodes.NodeTypes {
		byID[n.NodeTypeId] = n
	}
	i3 := byID["i3.xlarge"]
	if i3.MemoryMb == 0 || i3.NumCores == 0 || i3.NodeInstanceType == nil || i3.NodeInstanceType.LocalDisks != 1 ||
		i3.NodeInfo == nil || len(i3.NodeInfo.Status) != 0 || !byID["m4.large"].IsDeprecated {
		t.Fatalf("node types = %+v", nodes.NodeTypes)
	}
	versions, err := w.Clusters.SparkVersions(ctx)
	if err != nil || !slices.ContainsFunc(versions.Versions, func(v compute.SparkVersion) bool {
		return v.Key == "15.4.x-scala2.12" && v.Name != ""
	}) {
		t.Fatalf("spark versions = %+v, %v", versions, err)
	}
	zones, err := w.Clusters.ListZones(ctx)
	if err != nil || zones.DefaultZone != "us-west-2a" || !slices.Contains(zones.Zones, "us-west-2b") {
		t.Fatalf("zones = %+v, %v", zones, err)
	}
	// The SDK's own selectors work on the answers.
	if id, err := w.Clusters.SelectNodeType(ctx, compute.NodeTypeRequest{LocalDisk: true}); err != nil || id == "" {
		t.Fatalf("select node type = %q, %v", id, err)
	}
	if v, err := w.Clusters.SelectSparkVersion(ctx, compute.SparkVersionRequest{LongTermSupport: true, Latest: true}); err != nil || v == "" {
		t.Fatalf("select spark version = %q, %v", v, err)
	}
	// 2.0 paths answer too.
	if n := srv.RequestCount("GET /api/2.1/clusters/list-node-types"); n < 1 {
		t.Fatalf("list-node-types counted %d", n)
	}
}

// A DR-flavoured catalog differs from the primary's as RegionCatalog says.
func TestCatalogReadsRegion(t *testing.T) {
	_, w := emutest.Start(t, emulator.Options{Catalog: emulator.RegionCatalog("us-east-1")})
	ctx := context.Background()
	zones, err := w.Clusters.ListZones(ctx)
	if err != nil || zones.DefaultZone != "us-east-1a" || slices.Contains(zones.Zones, "us-west-2a") {
		t.Fatalf("zones = %+v, %v", zones, err)
	}
	nodes, err := w.Clusters.ListNodeTypes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range nodes.NodeTypes {
		switch n.NodeTypeId {
		case emulator.DRMissingNodeType:
			t.Fatalf("%s listed in DR", n.NodeTypeId)
		case emulator.DRUnavailableNodeType:
			if n.NodeInfo == nil || !slices.Contains(n.NodeInfo.Status, compute.CloudProviderNodeStatusNotAvailableInRegion) {
				t.Fatalf("%s status = %+v", n.NodeTypeId, n.NodeInfo)
			}
		}
	}
	versions, err := w.Clusters.SparkVersions(ctx)
	if err != nil || slices.ContainsFunc(versions.Versions, func(v compute.SparkVersion) bool { return v.Key == emulator.DRMissingSparkVersion }) {
		t.Fatalf("versions = %+v, %v", versions, err)
	}
	profiles, err := w.InstanceProfiles.ListAll(ctx)
	if err != nil || slices.ContainsFunc(profiles, func(p compute.InstanceProfile) bool { return p.InstanceProfileArn == emulator.DRMissingProfile }) {
		t.Fatalf("profiles = %+v, %v", profiles, err)
	}
}

// Instance profiles: add (validated), list, edit, remove, with the errors.
func TestInstanceProfilesCRUD(t *testing.T) {
	_, w := emutest.Start(t, emulator.Options{})
	ctx := context.Background()
	arn := "arn:aws:iam::123456789012:instance-profile/new-one"
	if err := w.InstanceProfiles.Add(ctx, compute.AddInstanceProfile{InstanceProfileArn: arn}); err != nil {
		t.Fatalf("add: %v", err)
	}
	err := w.InstanceProfiles.Add(ctx, compute.AddInstanceProfile{InstanceProfileArn: arn})
	if !errors.Is(err, apierr.ErrInvalidParameterValue) {
		t.Fatalf("duplicate add: %v", err)
	}
	var ae *apierr.APIError
	err = w.InstanceProfiles.Add(ctx, compute.AddInstanceProfile{InstanceProfileArn: "arn:aws:iam::1:role/x"})
	if !errors.As(err, &ae) || ae.StatusCode != 400 || ae.ErrorCode != "DRY_RUN_FAILED" {
		t.Fatalf("bad arn: %v", err)
	}
	role := "arn:aws:iam::123456789012:role/new-role"
	if err := w.InstanceProfiles.Edit(ctx, compute.InstanceProfile{InstanceProfileArn: arn, IamRoleArn: role}); err != nil {
		t.Fatalf("edit: %v", err)
	}
	all, err := w.InstanceProfiles.ListAll(ctx)
	i := slices.IndexFunc(all, func(p compute.InstanceProfile) bool { return p.InstanceProfileArn == arn })
	if err != nil || i < 0 || all[i].IamRoleArn != role {
		t.Fatalf("list = %+v, %v", all, err)
	}
	if err := w.InstanceProfiles.Remove(ctx, compute.RemoveInstanceProfile{InstanceProfileArn: arn}); err != nil {
		t.Fatalf("remove: %v", err)
	}
	err = w.InstanceProfiles.Remove(ctx, compute.RemoveInstanceProfile{InstanceProfileArn: arn})
	if !errors.Is(err, apierr.ErrNotFound) {
		t.Fatalf("remove again: %v", err)
	}
}
