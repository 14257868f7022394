package emulator_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/databricks/databricks-sdk-go/apierr"
	"github.com/databricks/databricks-sdk-go/service/sql"

	"github.com/drsync/drsync/shared/emulator"
	"github.com/drsync/drsync/shared/emulator/emutest"
)

// Create starts a warehouse; stop, start, edit, get, list and delete behave
// as §5 says.
func TestWarehousesLifecycle(t *testing.T) {
	_, w := emutest.Start(t, emulator.Options{})
	ctx := context.Background()
	wait, err := w.Warehouses.Create(ctx, sql.CreateWarehouseRequest{Name: "wh", ClusterSize: "Small", AutoStopMins: 10})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	got, err := wait.Get() // the SDK waits for RUNNING
	if err != nil || got.State != sql.StateRunning || got.MinNumClusters != 1 || got.MaxNumClusters != 1 ||
		!got.EnablePhoton || got.CreatorName != "admin@example.com" || got.JdbcUrl == "" {
		t.Fatalf("created = %+v, %v", got, err)
	}
	if _, err := w.Warehouses.Stop(ctx, sql.StopRequest{Id: wait.Id}); err != nil {
		t.Fatalf("stop: %v", err)
	}
	if got, _ := w.Warehouses.GetById(ctx, wait.Id); got.State != sql.StateStopped || got.NumClusters != 0 {
		t.Fatalf("after stop = %+v", got)
	}
	if _, err := w.Warehouses.Edit(ctx, sql.EditWarehouseRequest{Id: wait.Id, Name: "wh", ClusterSize: "Medium", AutoStopMins: 20}); err != nil {
		t.Fatalf("edit: %v", err)
	}
	if got, _ := w.Warehouses.GetById(ctx, wait.Id); got.State != sql.StateStopped || got.ClusterSize != "Medium" {
		t.Fatalf("after edit = %+v (a stopped warehouse stays stopped)", got)
	}
	if _, err := w.Warehouses.Start(ctx, sql.StartRequest{Id: wait.Id}); err != nil {
		t.Fatalf("start: %v", err)
	}
	all, err := w.Warehouses.ListAll(ctx, sql.ListWarehousesRequest{PageSize: 1})
	if err != nil || len(all) != 1 || all[0].State != sql.StateRunning {
		t.Fatalf("list = %+v, %v", all, err)
	}
	if err := w.Warehouses.DeleteById(ctx, wait.Id); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if _, err := w.Warehouses.GetById(ctx, wait.Id); !errors.Is(err, apierr.ErrResourceDoesNotExist) {
		t.Fatalf("get deleted: %v", err)
	}
}

// The list pages by page_token until none is returned.
func TestWarehousesListPages(t *testing.T) {
	srv, w := emutest.Start(t, emulator.Options{})
	if _, err := srv.Seed(emulator.SampleEstate()); err != nil {
		t.Fatal(err)
	}
	all, err := w.Warehouses.ListAll(context.Background(), sql.ListWarehousesRequest{PageSize: 2})
	if err != nil || len(all) != 3 || srv.RequestCount("GET /api/2.0/sql/warehouses") != 2 {
		t.Fatalf("list = %d, %v in %d calls", len(all), err, srv.RequestCount("GET /api/2.0/sql/warehouses"))
	}
}

// Refusals of §5: duplicate name, bad sizes, serverless without PRO, tags.
func TestWarehousesRefusals(t *testing.T) {
	_, w := emutest.Start(t, emulator.Options{})
	ctx := context.Background()
	if _, err := w.Warehouses.Create(ctx, sql.CreateWarehouseRequest{Name: "x", ClusterSize: "Small"}); err != nil {
		t.Fatal(err)
	}
	tags := make([]sql.EndpointTagPair, 45)
	for i := range tags {
		tags[i] = sql.EndpointTagPair{Key: strings.Repeat("k", i+1), Value: "v"}
	}
	for name, req := range map[string]sql.CreateWarehouseRequest{
		"SQL warehouse with name `x` already exists": {Name: "x", ClusterSize: "Small"},
		"Invalid cluster_size":                       {Name: "y", ClusterSize: "Huge"},
		"Invalid auto_stop_mins 5":                   {Name: "y", ClusterSize: "Small", AutoStopMins: 5},
		"Serverless compute requires":                {Name: "y", ClusterSize: "Small", EnableServerlessCompute: true, WarehouseType: "CLASSIC"},
		"Invalid scaling":                            {Name: "y", ClusterSize: "Small", MinNumClusters: 3, MaxNumClusters: 2},
		"fewer than 45 custom tags":                  {Name: "y", ClusterSize: "Small", Tags: &sql.EndpointTags{CustomTags: tags}},
	} {
		_, err := w.Warehouses.Create(ctx, req)
		if !errors.Is(err, apierr.ErrInvalidParameterValue) || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
