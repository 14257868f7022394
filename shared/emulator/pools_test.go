package emulator_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/databricks/databricks-sdk-go"
	"github.com/databricks/databricks-sdk-go/service/compute"

	"github.com/drsync/drsync/shared/emulator"
	"github.com/drsync/drsync/shared/emulator/emutest"
)

var poolIDFormat = regexp.MustCompile(`^\d{4}-\d{6}-[a-z]+\d+-pool-[a-z0-9]{8}$`)

var poolSmall = compute.CreateInstancePool{InstancePoolName: "small", NodeTypeId: "i3.xlarge", MinIdleInstances: 1, MaxCapacity: 10}

func poolsCreate(t *testing.T, w *databricks.WorkspaceClient, req compute.CreateInstancePool) string {
	t.Helper()
	resp, err := w.InstancePools.Create(context.Background(), req)
	if err != nil {
		t.Fatalf("create pool: %v", err)
	}
	return resp.InstancePoolId
}

func poolsGet(t *testing.T, w *databricks.WorkspaceClient, id string) *compute.GetInstancePool {
	t.Helper()
	p, err := w.InstancePools.GetByInstancePoolId(context.Background(), id)
	if err != nil {
		t.Fatalf("get pool %s: %v", id, err)
	}
	return p
}

// create assigns an id in the service's format; get and list carry the
// read-only default_tags, state ACTIVE, stats and status; list is one request.
func TestPoolCreateGetList(t *testing.T) {
	srv, w := emutest.Start(t, emulator.Options{})
	ctx := context.Background()
	id := poolsCreate(t, w, poolSmall)
	p := poolsGet(t, w, id)
	if !poolIDFormat.MatchString(id) || p.State != compute.InstancePoolStateActive || p.Stats == nil || p.Status == nil ||
		p.DefaultTags["Vendor"] != "Databricks" || p.DefaultTags["DatabricksInstancePoolId"] != id {
		t.Fatalf("pool %q reads %+v", id, p)
	}
	all, err := w.InstancePools.ListAll(ctx)
	if err != nil || len(all) != 1 || all[0].InstancePoolId != id || all[0].Stats == nil {
		t.Fatalf("list: %v %+v", err, all)
	}
	if n := srv.RequestCount("GET /api/2.0/instance-pools/list"); n != 1 || srv.PoolCount() != 1 {
		t.Fatalf("list took %d requests, PoolCount %d", n, srv.PoolCount())
	}
}

// A missing pool is RESOURCE_DOES_NOT_EXIST on get, edit and delete.
func TestPoolMissing(t *testing.T) {
	_, w := emutest.Start(t, emulator.Options{})
	ctx := context.Background()
	_, getErr := w.InstancePools.GetByInstancePoolId(ctx, "0101-000000-crane1-pool-nothere1")
	editErr := w.InstancePools.Edit(ctx, compute.EditInstancePool{InstancePoolId: "x", InstancePoolName: "n", NodeTypeId: "i3.xlarge"})
	deleteErr := w.InstancePools.DeleteByInstancePoolId(ctx, "x")
	for name, err := range map[string]error{"get": getErr, "edit": editErr, "delete": deleteErr} {
		if !errors.Is(err, databricks.ErrResourceDoesNotExist) || !strings.Contains(err.Error(), "Can't find an instance pool with id") {
			t.Errorf("%s: err = %v, want RESOURCE_DOES_NOT_EXIST", name, err)
		}
	}
}

// create validates name (required, unique, ≤100), node type, preloads, sizes and
// pool availability; each is 400 INVALID_PARAMETER_VALUE.
func TestPoolCreateValidation(t *testing.T) {
	srv, w := emutest.Start(t, emulator.Options{})
	poolsCreate(t, w, poolSmall)
	cases := []struct {
		name string
		req  compute.CreateInstancePool
	}{
		{"no name", compute.CreateInstancePool{NodeTypeId: "i3.xlarge"}},
		{"duplicate name", compute.CreateInstancePool{InstancePoolName: "small", NodeTypeId: "i3.xlarge"}},
		{"long name", compute.CreateInstancePool{InstancePoolName: strings.Repeat("n", 101), NodeTypeId: "i3.xlarge"}},
		{"no node type", compute.CreateInstancePool{InstancePoolName: "a"}},
		{"two preloads", compute.CreateInstancePool{InstancePoolName: "a", NodeTypeId: "i3.xlarge", PreloadedSparkVersions: []string{"15.4.x-scala2.12", "16.4.x-scala2.12"}}},
		{"idle above capacity", compute.CreateInstancePool{InstancePoolName: "a", NodeTypeId: "i3.xlarge", MinIdleInstances: 5, MaxCapacity: 2}},
		{"spot with fallback", compute.CreateInstancePool{InstancePoolName: "a", NodeTypeId: "i3.xlarge", AwsAttributes: &compute.InstancePoolAwsAttributes{Availability: "SPOT_WITH_FALLBACK"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := w.InstancePools.Create(context.Background(), tc.req); !errors.Is(err, databricks.ErrInvalidParameterValue) {
				t.Fatalf("err = %v, want ErrInvalidParameterValue", err)
			}
		})
	}
	if srv.PoolCount() != 1 {
		t.Fatalf("PoolCount = %d, want 1", srv.PoolCount())
	}
}

// edit replaces the editable fields (absent ones are cleared), keeps the rest
// (aws_attributes, disk_spec, ...) as created, and refuses a node type change.
func TestPoolEditRules(t *testing.T) {
	_, w := emutest.Start(t, emulator.Options{})
	ctx := context.Background()
	req := poolSmall
	req.CustomTags = map[string]string{"team": "a"}
	req.AwsAttributes = &compute.InstancePoolAwsAttributes{Availability: "ON_DEMAND", ZoneId: "us-west-2b"}
	id := poolsCreate(t, w, req)
	err := w.InstancePools.Edit(ctx, compute.EditInstancePool{InstancePoolId: id, InstancePoolName: "renamed", NodeTypeId: "i3.xlarge", MinIdleInstances: 3})
	if err != nil {
		t.Fatalf("edit: %v", err)
	}
	p := poolsGet(t, w, id)
	if p.InstancePoolName != "renamed" || p.MinIdleInstances != 3 || p.MaxCapacity != 0 || p.CustomTags != nil ||
		p.AwsAttributes == nil || p.AwsAttributes.Availability != "ON_DEMAND" || p.AwsAttributes.ZoneId != "us-west-2b" {
		t.Fatalf("after edit: %+v aws %+v", p, p.AwsAttributes)
	}
	err = w.InstancePools.Edit(ctx, compute.EditInstancePool{InstancePoolId: id, InstancePoolName: "renamed", NodeTypeId: "r5d.large"})
	if !errors.Is(err, databricks.ErrInvalidParameterValue) {
		t.Fatalf("node type change: err = %v, want ErrInvalidParameterValue", err)
	}
	if got := poolsGet(t, w, id); got.NodeTypeId != "i3.xlarge" {
		t.Fatalf("refused edit changed the node type to %s", got.NodeTypeId)
	}
}

// delete removes the pool: get then reports it missing.
func TestPoolDelete(t *testing.T) {
	srv, w := emutest.Start(t, emulator.Options{})
	ctx := context.Background()
	id := poolsCreate(t, w, poolSmall)
	if err := w.InstancePools.DeleteByInstancePoolId(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, err := w.InstancePools.GetByInstancePoolId(ctx, id); !errors.Is(err, databricks.ErrResourceDoesNotExist) || srv.PoolCount() != 0 {
		t.Fatalf("get after delete: %v (PoolCount %d)", err, srv.PoolCount())
	}
}

// The reference sample decodes into GetInstancePool, and a pool created from its
// settable fields reads them back equal.
func TestPoolSampleRoundTrip(t *testing.T) {
	var sample compute.GetInstancePool
	if err := json.Unmarshal(readSample(t, "instance-pools-get.json"), &sample); err != nil || sample.DiskSpec == nil {
		t.Fatalf("decode sample: %v", err)
	}
	var req compute.CreateInstancePool
	if err := json.Unmarshal(readSample(t, "instance-pools-get.json"), &req); err != nil {
		t.Fatal(err)
	}
	_, w := emutest.Start(t, emulator.Options{})
	got := *poolsGet(t, w, poolsCreate(t, w, req))
	want := sample
	for _, p := range []*compute.GetInstancePool{&got, &want} {
		p.InstancePoolId, p.DefaultTags, p.State, p.Stats, p.Status = "", nil, "", nil, nil
		p.ForceSendFields = slices.DeleteFunc(p.ForceSendFields, func(f string) bool { return f == "InstancePoolId" })
	}
	if !reflect.DeepEqual(got, want) {
		g, _ := json.Marshal(got)
		x, _ := json.Marshal(want)
		t.Fatalf("read back differs:\n got %s\nwant %s", g, x)
	}
}
