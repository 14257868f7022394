//go:build linux

package rie

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/drsync/drsync/shared/fixture"
)

// rieTool is the RIE's name as a tool of go.mod.
const rieTool = "aws-lambda-rie"

// Build compiles the main package pkg (an import path, or a path relative to
// the test's package folder) for this machine as Lambda builds drsync's
// functions (static, -tags lambda.norpc, stripped) and returns the
// bootstrap's path, in a folder removed when t ends.
func Build(t fixture.T, pkg string) string {
	t.Helper()
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(t.Context(), buildTimeout)
	defer cancel()
	if err := Compile(ctx, dir, BuildOptions{}, pkg); err != nil {
		t.Fatalf("rie: %v", err)
	}
	return Bootstrap(dir, pkg)
}

// BuildOptions shape Compile's build.
type BuildOptions struct {
	// Tags are the build tags; empty means lambda.norpc.
	Tags string
	// Arch is GOARCH; empty means this machine's. The RIE runs only this
	// machine's; another is for measuring what would be deployed.
	Arch string
}

// Compile builds the main packages pkgs for Linux as Lambda builds them
// (static, stripped, -trimpath, opts.Tags) in one go build, so the compiler
// works on them in parallel, and puts each at Bootstrap(dir, pkg). The error
// carries the compiler's output.
func Compile(ctx context.Context, dir string, opts BuildOptions, pkgs ...string) error {
	bin := filepath.Join(dir, "bin")
	args := []string{"build", "-tags", cmp.Or(opts.Tags, "lambda.norpc"), "-trimpath", "-ldflags", "-s -w", "-o", bin + string(filepath.Separator)}
	cmd := exec.CommandContext(ctx, "go", append(args, pkgs...)...)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+cmp.Or(opts.Arch, runtime.GOARCH))
	if msg, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build %s: %w\n%s", strings.Join(pkgs, " "), err, msg)
	}
	for _, pkg := range pkgs {
		if err := os.MkdirAll(filepath.Dir(Bootstrap(dir, pkg)), 0o755); err != nil {
			return err
		}
		if err := os.Rename(filepath.Join(bin, path.Base(pkg)), Bootstrap(dir, pkg)); err != nil {
			return err
		}
	}
	return os.Remove(bin)
}

// Bootstrap is where Compile puts pkg's binary under dir:
// <dir>/<pkg's last element>/bootstrap, the layout of a Lambda asset.
func Bootstrap(dir, pkg string) string {
	return filepath.Join(dir, path.Base(pkg), "bootstrap")
}

// The RIE binary, found once per test binary.
var (
	rieOnce sync.Once
	riePath string
	rieErr  error
)

// rieBinary returns the RIE's path: `go tool -n` builds the tool into the
// build cache on first use and prints where it is, so nothing is left to
// remove afterwards.
func rieBinary(t fixture.T) string {
	t.Helper()
	rieOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
		defer cancel()
		cmd := exec.CommandContext(ctx, "go", "tool", "-n", rieTool)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			rieErr = fmt.Errorf("go tool -n %s: %w\n%s", rieTool, err, stderr.String())
		}
		riePath = strings.TrimSpace(string(out))
	})
	if rieErr != nil {
		t.Fatalf("rie: %v", rieErr)
	}
	return riePath
}
