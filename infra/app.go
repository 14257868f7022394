package main

import (
	"errors"
	"fmt"
	"maps"
	"path/filepath"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// appOptions are what differs between `cdk synth`, `go run ./infra` and the
// tests; everything else comes from cdk.json and the pairs file.
type appOptions struct {
	// Root is the repository root (cdk.json, go.mod; relative paths start here).
	Root string
	// AssetRoot holds <function>/bootstrap; empty means <Root>/build.
	AssetRoot string
	// Outdir is the cloud assembly folder; empty leaves it to the CDK
	// (CDK_OUTDIR under the CLI, else a temporary folder).
	Outdir string
	// Context is laid over cdk.json's context, as `cdk synth -c` would.
	Context map[string]any
}

// newApp builds the CDK app: one stack per pair of the pairs file, checked by
// cdk-nag's AwsSolutions pack. Nothing is synthesized yet.
// Errors: cdk.json or the pairs file unreadable or invalid, or a function's
// bootstrap missing; all reported before any construct exists.
func newApp(o appOptions) (awscdk.App, []*pairStack, error) {
	ctx, err := cdkContext(filepath.Join(o.Root, "cdk.json"))
	if err != nil {
		return nil, nil, err
	}
	maps.Copy(ctx, o.Context)
	props := &awscdk.AppProps{Context: &ctx}
	if o.Outdir != "" {
		props.Outdir = jsii.String(o.Outdir)
	}
	app := awscdk.NewApp(props)
	pairs, err := pairsFromContext(o.Root, app.Node().TryGetContext(jsii.String(contextPairsFile)))
	if err != nil {
		return nil, nil, err
	}
	assetRoot := o.AssetRoot
	if assetRoot == "" {
		assetRoot = filepath.Join(o.Root, "build")
	}
	for i := range pairs {
		if err := checkAssets(assetRoot, functionSpecs(&pairs[i])); err != nil {
			return nil, nil, err
		}
	}
	stacks := make([]*pairStack, len(pairs))
	for i := range pairs {
		stacks[i] = newPairStack(app, &pairs[i], assetRoot)
	}
	awscdk.Aspects_Of(app).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
	return app, stacks, nil
}

// pairsFromContext loads the pairs file named by the context value v (the
// App's context: cdk.json's, overridden by the CLI's -c), relative to root.
// Errors: v missing or not a string, or everything loadPairs reports.
func pairsFromContext(root string, v any) ([]pairProps, error) {
	path, ok := v.(string)
	if !ok || path == "" {
		return nil, errors.New("context " + contextPairsFile + " must name the pairs file (set it in cdk.json or with -c)")
	}
	if !filepath.IsAbs(path) {
		path = filepath.Join(root, path)
	}
	pairs, err := loadPairs(path)
	if err != nil {
		return nil, fmt.Errorf("pairs: %w", err)
	}
	return pairs, nil
}
