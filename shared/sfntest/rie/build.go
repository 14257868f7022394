//go:build linux

package rie

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
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
	out := filepath.Join(t.TempDir(), "bootstrap")
	ctx, cancel := context.WithTimeout(t.Context(), buildTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "build", "-tags", "lambda.norpc", "-trimpath", "-ldflags", "-s -w", "-o", out, pkg)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("rie: build %s: %v\n%s", pkg, err, msg)
	}
	return out
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
