package emulator_test

import (
	"bytes"
	"context"
	"encoding/json"
	"path"
	"strings"
	"sync"
	"testing"

	"github.com/databricks/databricks-sdk-go/service/jobs"

	"github.com/drsync/drsync/shared/emulator"
	"github.com/drsync/drsync/shared/emulator/emutest"
)

// synthLarge is the size the generator must build in well under a second and
// Seed in a few seconds; synthMedium has the same shape at a fifth of the size,
// built once for the property tests (they are slow under -race otherwise).
var (
	synthLarge  = emulator.SynthSpec{Notebooks: 10000, Files: 300, Jobs: 1000, Clusters: 200, Pools: 50, Policies: 20, Seed: 42}
	synthMedium = emulator.SynthSpec{Notebooks: 2000, Files: 60, Jobs: 200, Clusters: 40, Pools: 10, Policies: 4, Seed: 42}
	medium      = sync.OnceValue(func() *emulator.Estate { return emulator.Synthesize(synthMedium) })
)

func synthJSON(t *testing.T, spec emulator.SynthSpec) []byte {
	t.Helper()
	b, err := json.Marshal(emulator.Synthesize(spec))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The same spec gives byte-identical estates; another seed gives a different one.
func TestSynthDeterministic(t *testing.T) {
	spec := emulator.SynthSpec{Notebooks: 300, Files: 20, Jobs: 40, Clusters: 10, Pools: 3, Policies: 2, Seed: 9}
	a, b := synthJSON(t, spec), synthJSON(t, spec)
	if !bytes.Equal(a, b) {
		t.Fatal("two runs with the same spec differ")
	}
	spec.Seed = 10
	if bytes.Equal(a, synthJSON(t, spec)) {
		t.Fatal("a different seed gave the same estate")
	}
}

// The estate has exactly the requested counts and passes the estate checks
// (every reference names an earlier resource).
func TestSynthCountsAndReferences(t *testing.T) {
	e := medium()
	var notebooks, files int
	for _, o := range e.Workspace {
		switch o.ObjectType {
		case "NOTEBOOK":
			notebooks++
		case "FILE":
			files++
		}
	}
	want := synthMedium
	if notebooks != want.Notebooks || files != want.Files || len(e.Jobs) != want.Jobs ||
		len(e.Clusters) != want.Clusters || len(e.Pools) != want.Pools || len(e.Policies) != want.Policies {
		t.Fatalf("counts: %d notebooks, %d files, %d jobs, %d clusters, %d pools, %d policies",
			notebooks, files, len(e.Jobs), len(e.Clusters), len(e.Pools), len(e.Policies))
	}
	if err := e.Validate(); err != nil {
		t.Fatal(err)
	}
}

// Notebooks sit 20-50 to a folder (one remainder folder may be smaller) under
// /Users/<user>/... and /Shared/<team>/..., in all four languages, 200 B - 4 KB each.
func TestSynthNotebookTree(t *testing.T) {
	e := medium()
	perDir := map[string]int{}
	langs := map[string]int{}
	roots := map[string]bool{}
	for _, o := range e.Workspace {
		if o.ObjectType != "NOTEBOOK" {
			continue
		}
		perDir[path.Dir(o.Path)]++
		langs[o.Language]++
		roots[strings.SplitN(o.Path, "/", 3)[1]] = true
		if n := len(o.Content); n < 200 || n > 4096 {
			t.Fatalf("%s: %d bytes, want 200-4096", o.Path, n)
		}
		if !strings.Contains(strings.SplitN(o.Content, "\n", 2)[0], "Databricks notebook source") {
			t.Fatalf("%s: no source header", o.Path)
		}
	}
	small := 0
	for dir, n := range perDir {
		if n > 50 {
			t.Fatalf("%s holds %d notebooks, want <= 50", dir, n)
		}
		if n < 20 {
			small++
		}
	}
	if small > 1 || len(langs) != 4 || !roots["Users"] || !roots["Shared"] {
		t.Fatalf("folders under 20: %d, languages %v, roots %v", small, langs, roots)
	}
}

// Jobs have 1-8 tasks on notebooks that exist, job clusters, some existing
// clusters and run_job_task, and both paused and unpaused schedules.
func TestSynthJobs(t *testing.T) {
	e := medium()
	exists := map[string]bool{}
	for _, o := range e.Workspace {
		exists[o.Path] = true
	}
	seen := map[string]int{}
	for i, raw := range e.Jobs {
		var j jobs.JobSettings
		// job_id references are still "{{job:NAME}}" strings here; blank them.
		if err := json.Unmarshal(bytes.ReplaceAll(raw, []byte(`"{{job:`), []byte(`0,"x":"`)), &j); err != nil {
			t.Fatalf("jobs[%d]: %v", i, err)
		}
		if n := len(j.Tasks); n < 1 || n > 8 {
			t.Fatalf("jobs[%d]: %d tasks", i, n)
		}
		for _, task := range j.Tasks {
			switch {
			case task.NotebookTask != nil:
				if !exists[task.NotebookTask.NotebookPath] {
					t.Fatalf("jobs[%d] %s: notebook %s does not exist", i, task.TaskKey, task.NotebookTask.NotebookPath)
				}
				seen["notebook"]++
			case task.SparkPythonTask != nil:
				seen["python"]++
			}
			if task.ExistingClusterId != "" {
				seen["existing"]++
			}
		}
		if bytes.Contains(raw, []byte(`"run_job_task"`)) {
			seen["run_job"]++
		}
		for _, jc := range j.JobClusters {
			seen["job_cluster"]++
			if jc.NewCluster.InstancePoolId != "" {
				seen["pool"]++
			}
			if jc.NewCluster.PolicyId != "" {
				seen["policy"]++
			}
		}
		if j.Schedule != nil {
			seen["schedule_"+string(j.Schedule.PauseStatus)]++
		}
	}
	for _, k := range []string{"notebook", "python", "existing", "run_job", "job_cluster", "pool", "policy", "schedule_PAUSED", "schedule_UNPAUSED"} {
		if seen[k] == 0 {
			t.Errorf("no job has %s (seen %v)", k, seen)
		}
	}
}

// About 85% of clusters are UI/API, the rest JOB.
func TestSynthClusterSources(t *testing.T) {
	e := medium()
	ui := 0
	for _, raw := range e.Clusters {
		var c struct {
			Source string `json:"cluster_source"`
		}
		if err := json.Unmarshal(raw, &c); err != nil {
			t.Fatal(err)
		}
		if c.Source == "UI" || c.Source == "API" {
			ui++
		}
	}
	if frac := float64(ui) / float64(len(e.Clusters)); frac < 0.75 || frac > 0.95 {
		t.Fatalf("UI/API share = %.2f, want about 0.85", frac)
	}
}

// Zero counts give a valid (possibly empty) estate, with no dangling reference.
func TestSynthSparseSpecs(t *testing.T) {
	specs := []emulator.SynthSpec{
		{},
		{Jobs: 5},
		{Jobs: 5, Clusters: 3},
		{Notebooks: 10, Jobs: 5, Pools: 1},
		{Files: 5, Jobs: 5, Policies: 2},
	}
	for _, spec := range specs {
		if err := emulator.Synthesize(spec).Validate(); err != nil {
			t.Errorf("%+v: %v", spec, err)
		}
	}
}

// A synthetic estate seeds without error and is what the API then lists.
func TestSynthSeedsThroughAPI(t *testing.T) {
	srv, w := emutest.Start(t, emulator.Options{})
	rep, err := srv.Seed(medium())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Jobs != synthMedium.Jobs || rep.Clusters != synthMedium.Clusters || srv.JobCount() != synthMedium.Jobs {
		t.Fatalf("report = %s, job count %d", rep, srv.JobCount())
	}
	listed, err := w.Jobs.ListAll(context.Background(), jobs.ListJobsRequest{Limit: 100})
	if err != nil || len(listed) != synthMedium.Jobs {
		t.Fatalf("jobs listed = %d, %v", len(listed), err)
	}
}
