// Command infra is drsync's CDK app: one stack per workspace pair of the pairs
// file that cdk.json's "drsync:pairsFile" context names. `cdk synth` (or
// `make synth`) runs it; see infra/README.md for deploying.
//
// Environment: DRSYNC_ASSET_ROOT replaces <repo>/build as the folder holding
// <function>/bootstrap.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
)

// envAssetRoot names the environment variable that moves the asset root.
const envAssetRoot = "DRSYNC_ASSET_ROOT"

func main() {
	err := run()
	jsii.Close()
	if err != nil {
		fmt.Fprintln(os.Stderr, "infra:", err)
		os.Exit(1)
	}
}

// run builds and synthesizes the app. Outside the CLI (no CDK_OUTDIR) it
// writes to <repo>/cdk.out rather than the CDK's throwaway temp folder.
func run() error {
	wd, err := os.Getwd()
	if err != nil {
		return err
	}
	root, err := repoRoot(wd)
	if err != nil {
		return err
	}
	o := appOptions{Root: root, AssetRoot: os.Getenv(envAssetRoot)}
	if os.Getenv("CDK_OUTDIR") == "" {
		o.Outdir = filepath.Join(root, "cdk.out")
	}
	app, _, err := newApp(o)
	if err != nil {
		return err
	}
	return synth(app)
}

// synth writes the cloud assembly. cdk-nag errors surface as the CDK's
// validation failure, a jsii panic, after the findings have been printed;
// it becomes an error so main exits 1 with one line instead of a stack trace.
func synth(app awscdk.App) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("synth: %v", r)
		}
	}()
	app.Synth(nil)
	return nil
}
