package sfntest_test

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/drsync/drsync/shared/sfntest"
)

// recorder is a testing.TB whose Skip and Fatalf are recorded instead of
// ending the real test.
type recorder struct {
	testing.TB
	skipped, fatal string
}

func (r *recorder) Skip(args ...any) {
	r.skipped = fmt.Sprint(args...)
	runtime.Goexit()
}

func (r *recorder) Fatalf(format string, args ...any) {
	r.fatal = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// start calls sfntest.Start with a recorder, on a goroutine of its own since
// Skip and Fatalf end the goroutine.
func start(t *testing.T) *recorder {
	r := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		sfntest.Start(r)
		r.fatal = "Start returned"
	}()
	<-done
	return r
}

// Without node or the tools a test skips, saying what to install; under
// DRSYNC_REQUIRE_NODE=1 (CI) it fails instead, so CI cannot pass by skipping.
func TestStartWithoutTheTools(t *testing.T) {
	noNode := t.TempDir() // a PATH with no node on it
	noTools := t.TempDir()
	if err := os.WriteFile(filepath.Join(noTools, "go.mod"), []byte("module x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path, dir, require string
		skip, fatal              string
	}{
		{name: "no node", path: noNode, require: "", skip: "node is missing"},
		{name: "no node, required", path: noNode, require: "1", fatal: "DRSYNC_REQUIRE_NODE=1 forbids skipping"},
		{name: "no tools", path: os.Getenv("PATH"), dir: noTools, require: "", skip: "run `make sfn-install`"},
		{name: "no tools, required", path: os.Getenv("PATH"), dir: noTools, require: "1", fatal: "run `make sfn-install`"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("PATH", tt.path)
			t.Setenv(sfntest.EnvRequireNode, tt.require)
			if tt.dir != "" {
				t.Chdir(tt.dir)
			}
			r := start(t)
			if tt.skip != "" && (!strings.Contains(r.skipped, tt.skip) || r.fatal != "") {
				t.Errorf("skipped %q, failed %q; want a skip saying %q", r.skipped, r.fatal, tt.skip)
			}
			if tt.fatal != "" && !strings.Contains(r.fatal, tt.fatal) {
				t.Errorf("failed %q, skipped %q; want a failure saying %q", r.fatal, r.skipped, tt.fatal)
			}
		})
	}
}
