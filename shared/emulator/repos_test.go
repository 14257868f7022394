package emulator_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/databricks/databricks-sdk-go"
	"github.com/databricks/databricks-sdk-go/service/workspace"

	"github.com/drsync/drsync/shared/emulator"
	"github.com/drsync/drsync/shared/emulator/emutest"
)

// A Git folder lists as object_type REPO (not DIRECTORY) in its parent, its
// object_id is the repo id, and its contents list below it.
func TestRepoObjectsInListings(t *testing.T) {
	srv, w := emutest.Start(t, emulator.Options{})
	ctx := context.Background()
	if _, err := srv.Seed(emulator.SampleEstate()); err != nil {
		t.Fatal(err)
	}
	objs, err := w.Workspace.ListAll(ctx, workspace.ListWorkspaceRequest{Path: "/Repos/alice@example.com"})
	if err != nil || len(objs) != 1 || objs[0].ObjectType != workspace.ObjectTypeRepo || objs[0].Path != "/Repos/alice@example.com/etl-pipelines" {
		t.Fatalf("list /Repos/alice@example.com = %+v, %v; want the etl-pipelines REPO", objs, err)
	}
	repo, err := w.Repos.GetByRepoId(ctx, objs[0].ObjectId)
	if err != nil || repo.Url != "https://github.com/example-org/etl-pipelines.git" || repo.Provider != "gitHub" || repo.Branch != "main" || len(repo.HeadCommitId) != 40 {
		t.Fatalf("repo %d = %+v, %v", objs[0].ObjectId, repo, err)
	}
	inside, err := w.Workspace.ListAll(ctx, workspace.ListWorkspaceRequest{Path: repo.Path})
	if err != nil || len(inside) != 2 {
		t.Fatalf("list inside the repo = %+v, %v; want README.md and notebooks", inside, err)
	}
	status, err := w.Workspace.GetStatusByPath(ctx, "/Workspace"+repo.Path)
	if err != nil || status.ObjectType != workspace.ObjectTypeRepo {
		t.Fatalf("get-status = %+v, %v; want REPO", status, err)
	}
}

// The repos API creates, lists (paging with next_page_token both ways),
// checks out and deletes Git folders, with the errors the service gives.
func TestReposAPI(t *testing.T) {
	_, w := emutest.Start(t, emulator.Options{})
	ctx := context.Background()
	if err := w.Workspace.MkdirsByPath(ctx, "/Repos/team"); err != nil {
		t.Fatal(err)
	}
	var first int64
	for i := range 25 {
		r, err := w.Repos.Create(ctx, workspace.CreateRepoRequest{Url: fmt.Sprintf("https://github.com/org/r%02d.git", i), Provider: "GITHUB",
			Path: fmt.Sprintf("/Repos/team/r%02d", i)})
		if err != nil || r.Provider != "gitHub" || r.Branch != "main" {
			t.Fatalf("create %d: %+v, %v", i, r, err)
		}
		if i == 0 {
			first = r.Id
		}
	}
	all, err := w.Repos.ListAll(ctx, workspace.ListReposRequest{})
	if err != nil || len(all) != 25 {
		t.Fatalf("listed %d repos, %v; want 25 over two pages", len(all), err)
	}
	if err := w.Repos.Update(ctx, workspace.UpdateRepoRequest{RepoId: first, Tag: "v1.0"}); err != nil {
		t.Fatal(err)
	}
	if r, err := w.Repos.GetByRepoId(ctx, first); err != nil || r.Branch != "" {
		t.Fatalf("after checking out a tag: %+v, %v; want a detached HEAD", r, err)
	}
	_, err = w.Repos.Create(ctx, workspace.CreateRepoRequest{Url: "https://github.com/org/x.git", Provider: "gitHub", Path: "/Repos/team/r00"})
	if !errors.Is(err, databricks.ErrResourceAlreadyExists) {
		t.Fatalf("create over an existing path: %v, want RESOURCE_ALREADY_EXISTS", err)
	}
	_, err = w.Repos.Create(ctx, workspace.CreateRepoRequest{Url: "https://github.com/org/x.git", Provider: "gitHub", Path: "/Repos/x"})
	if !errors.Is(err, databricks.ErrInvalidParameterValue) {
		t.Fatalf("create at /Repos/x: %v, want INVALID_PARAMETER_VALUE", err)
	}
	if err := w.Repos.DeleteByRepoId(ctx, first); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Repos.GetByRepoId(ctx, first); !errors.Is(err, databricks.ErrResourceDoesNotExist) {
		t.Fatalf("get of a deleted repo: %v, want RESOURCE_DOES_NOT_EXIST", err)
	}
}
