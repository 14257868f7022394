package sfntest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/drsync/drsync/shared/fixture"
)

// Where the tools come from.
const (
	// ToolsDir is the folder, beside go.mod, that pins the npm packages
	// (aws-local-stepfunctions, asl-validator) in its package-lock.json.
	ToolsDir = ".sfn"
	// InstallHint is the command that installs them.
	InstallHint = "make sfn-install"
	// EnvRequireNode, set to 1 (CI does), turns "node or the tools are
	// missing" from a skip into a failure, so a machine without them cannot
	// pass by skipping every state machine test.
	EnvRequireNode = "DRSYNC_REQUIRE_NODE"
)

// errMissing is why the tools cannot be used here: skipped, not failed,
// unless EnvRequireNode says otherwise.
var errMissing = errors.New("missing")

// tools finds node and the installed tools folder, or skips t (fails it
// under DRSYNC_REQUIRE_NODE=1).
func tools(t fixture.T) (node, dir string) {
	t.Helper()
	node, dir, err := findTools()
	if err == nil {
		return node, dir
	}
	msg := fmt.Sprintf("sfntest: %v", err)
	if os.Getenv(EnvRequireNode) == "1" {
		t.Fatalf("%s (%s=1 forbids skipping)", msg, EnvRequireNode)
	}
	t.Skip(msg)
	return "", ""
}

// findTools returns node's path and the absolute tools folder, or an error
// wrapping errMissing that says what to install.
func findTools() (node, dir string, err error) {
	node, err = exec.LookPath("node")
	if err != nil {
		return "", "", fmt.Errorf("node is %w (Node.js 20 or later): %v", errMissing, err)
	}
	root, err := moduleRoot()
	if err != nil {
		return "", "", err
	}
	dir = filepath.Join(root, ToolsDir)
	for _, pkg := range []string{"aws-local-stepfunctions", "asl-validator"} {
		if _, err := os.Stat(filepath.Join(dir, "node_modules", pkg, "package.json")); err != nil {
			return "", "", fmt.Errorf("npm package %s is %w from %s: run `%s`", pkg, errMissing, dir, InstallHint)
		}
	}
	return node, dir, nil
}

// moduleRoot is the nearest folder at or above the working directory (a
// test runs in its package's folder) that holds go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod at or above the working directory")
		}
		dir = parent
	}
}
