//go:build linux

package localstack

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/drsync/drsync/shared/awstest"
	"github.com/drsync/drsync/shared/fixture"
	"github.com/drsync/drsync/shared/sfntest/rie"
)

// Functions are drsync's Lambda functions, by their folder under functions/.
var Functions = []string{"sync", "auditlog", "replcheck", "failover"}

// Tags are the build tags of the deployed binaries (Makefile LAMBDA_TAGS).
const Tags = "lambda.norpc,grpcnotrace"

// buildTimeout bounds one build: a cold build cache compiles both SDKs.
const buildTimeout = 10 * time.Minute

// Package is the import path of function name.
func Package(name string) string { return "github.com/drsync/drsync/functions/" + name }

// Build compiles every function as deployed for arch (a GOARCH) in one go
// build, each to rie.Bootstrap(dir, name): <dir>/<name>/bootstrap.
func Build(ctx context.Context, dir, arch string) error {
	pkgs := make([]string, len(Functions))
	for i, name := range Functions {
		pkgs[i] = Package(name)
	}
	return rie.Compile(ctx, dir, rie.BuildOptions{Tags: Tags, Arch: arch}, pkgs...)
}

// Bootstraps are this process's builds of every function for this machine.
type Bootstraps struct {
	Dir  string
	Took time.Duration // how long the build took
}

// Path is function name's bootstrap.
func (b *Bootstraps) Path(name string) string { return rie.Bootstrap(b.Dir, name) }

// The builds of this process, made by the first Built and removed by Main
// or Run; guarded by buildMu. A failed build is kept, so the tests after the
// first do not each build again.
var (
	buildMu  sync.Mutex
	built    *Bootstraps
	buildErr error
)

// Built returns this process's builds, building them on first use; it fails
// t when the build fails.
func Built(t fixture.T) *Bootstraps {
	t.Helper()
	buildMu.Lock()
	defer buildMu.Unlock()
	if built == nil && buildErr == nil {
		built, buildErr = build()
	}
	if buildErr != nil {
		t.Fatalf("localstack: build the functions: %v", buildErr)
	}
	return built
}

func build() (*Bootstraps, error) {
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	dir, err := os.MkdirTemp("", "drsync-lambda-")
	if err != nil {
		return nil, err
	}
	begin := time.Now()
	if err := Build(ctx, dir, runtime.GOARCH); err != nil {
		_ = os.RemoveAll(dir) // the build error is the one worth reporting
		return nil, err
	}
	return &Bootstraps{Dir: dir, Took: time.Since(begin)}, nil
}

// removeBuilds deletes this process's builds; the next Built builds again.
func removeBuilds() error {
	buildMu.Lock()
	defer buildMu.Unlock()
	b := built
	built, buildErr = nil, nil
	if b == nil {
		return nil
	}
	return os.RemoveAll(b.Dir)
}

// Main is the TestMain of a package using the local stack: it runs the
// tests, then stops moto and removes the builds.
func Main(m *testing.M) {
	awstest.Main(m)
	if err := removeBuilds(); err != nil {
		fmt.Fprintf(os.Stderr, "localstack: %v\n", err)
	}
}

// Run is fixture.Run for a command using the local stack. What fn started
// is stopped when it ends (its cleanups), and then what the process shares,
// which Main stops for a test binary: moto and the builds.
func Run(ctx context.Context, name string, log io.Writer, fn func(fixture.T)) error {
	return fixture.Run(ctx, name, log, func(t fixture.T) {
		t.Cleanup(func() { // registered first, so it runs last
			if err := awstest.Stop(); err != nil {
				t.Errorf("localstack: %v", err)
			}
			if err := removeBuilds(); err != nil {
				t.Errorf("localstack: remove the builds: %v", err)
			}
		})
		fn(t)
	})
}
