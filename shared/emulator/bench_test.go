package emulator_test

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/drsync/drsync/shared/emulator"
)

// The benchmarks show the emulator is never the bottleneck of a drsync run: they
// hit one started workspace, seeded from Synthesize at full size, over real
// loopback HTTP from parallel keep-alive clients with rate limits off, and report
// req/s. Run: go test -run '^$' -bench . -benchtime 2s ./shared/emulator/

// benchFolder holds exactly 50 notebooks: a typical folder for workspace/list.
const benchFolder = "/Shared/bench/folder50"

// benchEnv is the shared workspace; it is built once per test binary (building
// it per benchmark run would dominate) and left serving until the process exits.
type benchEnv struct {
	srv        *emulator.Server
	client     *http.Client
	jobIDs     []string
	clusterIDs []string
}

var benchWorkspace = sync.OnceValues(func() (*benchEnv, error) {
	e := emulator.Synthesize(synthLarge)
	for i := range 50 {
		e.Workspace = append(e.Workspace, emulator.SeedObject{Path: fmt.Sprintf("%s/nb_%02d", benchFolder, i),
			ObjectType: "NOTEBOOK", Language: "PYTHON", Content: "print('hello')\n"})
	}
	srv := emulator.New(emulator.Options{RateLimits: map[string]float64{}})
	rep, err := srv.Seed(e)
	if err != nil {
		return nil, err
	}
	if err := srv.Start(); err != nil {
		return nil, err
	}
	env := &benchEnv{srv: srv, client: &http.Client{Transport: &http.Transport{
		MaxIdleConns: 256, MaxIdleConnsPerHost: 256, DisableCompression: true,
	}}}
	for key, id := range rep.IDs {
		switch {
		case strings.HasPrefix(key, "job:"):
			env.jobIDs = append(env.jobIDs, id)
		case strings.HasPrefix(key, "cluster:"):
			env.clusterIDs = append(env.clusterIDs, id)
		}
	}
	slices.Sort(env.jobIDs) // map order is random; keep runs comparable
	slices.Sort(env.clusterIDs)
	return env, nil
})

// get performs one authenticated GET and drains the body so the connection is reused.
func (env *benchEnv) get(pathAndQuery string) error {
	req, err := http.NewRequest(http.MethodGet, env.srv.URL()+pathAndQuery, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+env.srv.Token())
	req.Header.Set("Accept", "application/json")
	resp, err := env.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: status %d", pathAndQuery, resp.StatusCode)
	}
	return nil
}

// benchGets runs GETs of path(i) from parallel clients and reports req/s.
func benchGets(b *testing.B, path func(i int) string) {
	env, err := benchWorkspace()
	if err != nil {
		b.Fatalf("bench workspace: %v", err)
	}
	if err := env.get(path(0)); err != nil { // fail fast, and warm a connection
		b.Fatal(err)
	}
	b.SetParallelism(8) // 8 × GOMAXPROCS clients: like a fan-out of Lambdas
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for i := 0; pb.Next(); i++ {
			if err := env.get(path(i)); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

func BenchmarkWorkspaceList50(b *testing.B) {
	q := "/api/2.0/workspace/list?path=" + url.QueryEscape(benchFolder)
	benchGets(b, func(int) string { return q })
}

func BenchmarkWorkspaceGetStatus(b *testing.B) {
	benchGets(b, func(i int) string {
		return "/api/2.0/workspace/get-status?path=" + url.QueryEscape(fmt.Sprintf("%s/nb_%02d", benchFolder, i%50))
	})
}

func BenchmarkJobsList100(b *testing.B) {
	benchGets(b, func(int) string { return "/api/2.2/jobs/list?limit=100" })
}

func BenchmarkJobsGet(b *testing.B) {
	env, _ := benchWorkspace()
	benchGets(b, func(i int) string {
		return "/api/2.2/jobs/get?job_id=" + env.jobIDs[i%len(env.jobIDs)]
	})
}

func BenchmarkClustersGet(b *testing.B) {
	env, _ := benchWorkspace()
	benchGets(b, func(i int) string {
		return "/api/2.1/clusters/get?cluster_id=" + env.clusterIDs[i%len(env.clusterIDs)]
	})
}

// BenchmarkSynthesize builds the full-size estate (10,000 notebooks, 1,000 jobs, ...).
func BenchmarkSynthesize(b *testing.B) {
	for b.Loop() {
		emulator.Synthesize(synthLarge)
	}
}

// BenchmarkSeedLarge seeds the full-size estate into a fresh workspace.
func BenchmarkSeedLarge(b *testing.B) {
	e := emulator.Synthesize(synthLarge)
	for b.Loop() {
		if _, err := emulator.New(emulator.Options{}).Seed(e); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(e.Workspace)+len(e.Jobs)+len(e.Clusters))*float64(b.N)/b.Elapsed().Seconds(), "objects/s")
}
