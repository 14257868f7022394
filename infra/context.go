package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
)

// contextPairsFile is the context key naming the pairs file, relative to the
// repository root; `cdk synth -c drsync:pairsFile=other.json` overrides it.
const contextPairsFile = "drsync:pairsFile"

// cliContext is what the CDK CLI (2.1148) adds to cdk.json's "context" block
// before it runs the app. main and the tests add the same values, so that
// `go run ./infra`, `go test ./infra` and `cdk synth` write byte-identical
// templates (path and asset metadata change the template).
var cliContext = map[string]any{
	"aws:cdk:enable-path-metadata":  true,
	"aws:cdk:enable-asset-metadata": true,
	"aws:cdk:bundling-stacks":       []any{"**"},
}

// cdkJSON is the part of cdk.json the app reads.
type cdkJSON struct {
	Context map[string]any `json:"context"`
	// VersionReporting false makes the CLI leave out the AWS::CDK::Metadata
	// resource; the app must then do the same.
	VersionReporting *bool `json:"versionReporting"`
}

// cdkContext returns the context the CDK CLI would hand the app for the
// cdk.json at path: its "context" block, the CLI's own additions, and the
// version-reporting switch. The caller owns the returned map.
// Errors: the read error, or invalid JSON.
func cdkContext(path string) (map[string]any, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read cdk.json: %w", err)
	}
	var c cdkJSON
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	ctx := maps.Clone(c.Context)
	if ctx == nil {
		ctx = map[string]any{}
	}
	maps.Copy(ctx, cliContext)
	if c.VersionReporting != nil && !*c.VersionReporting {
		ctx["aws:cdk:disable-version-reporting"] = true
	}
	return ctx, nil
}

// repoRoot walks up from dir to the folder holding go.mod. `go run ./infra`
// and `cdk synth` start in the root, `go test ./infra` in infra/, and every
// path the app reads is relative to the root.
// Errors: no go.mod in dir or any parent.
func repoRoot(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory: run from inside the repository")
		}
		dir = parent
	}
}
