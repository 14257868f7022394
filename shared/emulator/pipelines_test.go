package emulator_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/databricks/databricks-sdk-go/apierr"
	"github.com/databricks/databricks-sdk-go/service/pipelines"

	"github.com/drsync/drsync/shared/emulator"
	"github.com/drsync/drsync/shared/emulator/emutest"
)

func pipelineCreate(t *testing.T, w interface {
	Create(context.Context, pipelines.CreatePipeline) (*pipelines.CreatePipelineResponse, error)
}, req pipelines.CreatePipeline) string {
	t.Helper()
	resp, err := w.Create(context.Background(), req)
	if err != nil {
		t.Fatalf("create pipeline %s: %v", req.Name, err)
	}
	return resp.PipelineId
}

// Create, get, edit and delete; run_as is echoed top-level.
func TestPipelinesCRUD(t *testing.T) {
	_, w := emutest.Start(t, emulator.Options{})
	ctx := context.Background()
	id := pipelineCreate(t, w.Pipelines, pipelines.CreatePipeline{Name: "p", Catalog: "main", Schema: "s",
		Continuous: true, RunAs: &pipelines.RunAs{UserName: "alice@example.com"},
		Libraries: []pipelines.PipelineLibrary{{Notebook: &pipelines.NotebookLibrary{Path: "/Shared/nb"}}}})
	got, err := w.Pipelines.GetByPipelineId(ctx, id)
	if err != nil || got.Spec == nil || got.Spec.Id != id || !got.Spec.Continuous || got.State != pipelines.PipelineStateIdle ||
		got.RunAsUserName != "alice@example.com" || got.CreatorUserName != "admin@example.com" {
		t.Fatalf("get = %+v, %v", got, err)
	}
	err = w.Pipelines.Update(ctx, pipelines.EditPipeline{PipelineId: id, Name: "p", Catalog: "main", Schema: "s2",
		ExpectedLastModified: got.LastModified})
	if err != nil {
		t.Fatalf("edit: %v", err)
	}
	err = w.Pipelines.Update(ctx, pipelines.EditPipeline{PipelineId: id, Name: "p", ExpectedLastModified: got.LastModified})
	if !errors.Is(err, apierr.ErrResourceConflict) {
		t.Fatalf("stale edit: %v", err)
	}
	if got, _ := w.Pipelines.GetByPipelineId(ctx, id); got.Spec.Schema != "s2" {
		t.Fatalf("after edit = %+v", got.Spec)
	}
	if err := w.Pipelines.DeleteByPipelineId(ctx, id); err != nil {
		t.Fatalf("delete: %v", err)
	}
	_, err = w.Pipelines.GetByPipelineId(ctx, id)
	if !errors.Is(err, apierr.ErrNotFound) || !strings.Contains(err.Error(), "The specified pipeline "+id+" was not found.") {
		t.Fatalf("get deleted: %v", err)
	}
}

// List: filters, max_results rules, pages.
func TestPipelinesList(t *testing.T) {
	srv, w := emutest.Start(t, emulator.Options{})
	ctx := context.Background()
	for _, n := range []string{"orders-a", "orders-b", "clicks"} {
		pipelineCreate(t, w.Pipelines, pipelines.CreatePipeline{Name: n, Target: "t",
			Libraries: []pipelines.PipelineLibrary{{Notebook: &pipelines.NotebookLibrary{Path: "/Shared/" + n}}}})
	}
	all, err := w.Pipelines.ListPipelinesAll(ctx, pipelines.ListPipelinesRequest{MaxResults: 1})
	if err != nil || len(all) != 3 || srv.RequestCount("GET /api/2.0/pipelines") != 3 {
		t.Fatalf("all = %d, %v", len(all), err)
	}
	like, err := w.Pipelines.ListPipelinesAll(ctx, pipelines.ListPipelinesRequest{Filter: "name LIKE '%orders%'"})
	if err != nil || len(like) != 2 {
		t.Fatalf("like = %+v, %v", like, err)
	}
	nb, err := w.Pipelines.ListPipelinesAll(ctx, pipelines.ListPipelinesRequest{Filter: "notebook='/Shared/clicks'"})
	if err != nil || len(nb) != 1 || nb[0].Name != "clicks" {
		t.Fatalf("notebook = %+v, %v", nb, err)
	}
	for _, req := range []pipelines.ListPipelinesRequest{{MaxResults: 101}, {Filter: "name LIKE '%a%' AND notebook='/x'"}} {
		if _, err := w.Pipelines.ListPipelinesAll(ctx, req); !errors.Is(err, apierr.ErrInvalidParameterValue) {
			t.Errorf("%+v: %v", req, err)
		}
	}
}

// Refusals: duplicate names unless allowed, dotted target, schema with target, tags.
func TestPipelinesRefusals(t *testing.T) {
	_, w := emutest.Start(t, emulator.Options{})
	ctx := context.Background()
	pipelineCreate(t, w.Pipelines, pipelines.CreatePipeline{Name: "p"})
	pipelineCreate(t, w.Pipelines, pipelines.CreatePipeline{Name: "p", AllowDuplicateNames: true})
	tags := map[string]string{}
	for i := range 26 {
		tags[strings.Repeat("t", i+1)] = "v"
	}
	for want, req := range map[string]pipelines.CreatePipeline{
		"already exists":                {Name: "p"},
		`target_schema_name "a.b"`:      {Name: "q", Target: "a.b"},
		"Only one of schema and target": {Name: "q", Schema: "a", Target: "b"},
		"at most 25 tags":               {Name: "q", Tags: tags},
	} {
		_, err := w.Pipelines.Create(ctx, req)
		if !errors.Is(err, apierr.ErrInvalidParameterValue) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v", want, err)
		}
	}
}
