package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
)

var (
	// placeholderAssets is a temporary asset root holding testdata's
	// placeholder bootstrap for every function, so the tests need no
	// cross-compiled binaries and their templates do not change with every
	// function build.
	placeholderAssets string
	// scratch holds every temporary folder of the test binary. Cloud
	// assemblies must outlive their synth: assertions synthesize again.
	scratch string
)

func TestMain(m *testing.M) {
	code, err := runTests(m)
	jsii.Close()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		code = 1
	}
	os.Exit(code)
}

// runTests runs the tests with the placeholder asset root in place and
// removes it afterwards.
func runTests(m *testing.M) (int, error) {
	// The deploying credentials' region must not decide whether the example
	// synthesizes (checkRegion); the tests that need one set it.
	if err := os.Unsetenv(envDeployRegion); err != nil {
		return 0, err
	}
	dir, err := os.MkdirTemp("", "drsync-infra-test-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	scratch, placeholderAssets = dir, filepath.Join(dir, "assets")
	if err := writePlaceholders(placeholderAssets, exampleFunctionNames()); err != nil {
		return 0, err
	}
	return m.Run(), nil
}

// exampleFunctionNames lists the functions of the default props.
func exampleFunctionNames() []string {
	var names []string
	for _, s := range functionSpecs(&pairProps{}) {
		names = append(names, s.Name)
	}
	return names
}

// writePlaceholders copies testdata/placeholder-bootstrap to
// dir/<name>/bootstrap for every name, as `make diff-local` does.
func writePlaceholders(dir string, names []string) error {
	data, err := os.ReadFile(filepath.Join("testdata", "placeholder-bootstrap"))
	if err != nil {
		return err
	}
	for _, n := range names {
		if err := os.MkdirAll(filepath.Join(dir, n), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(bootstrapPath(dir, n), data, 0o755); err != nil {
			return err
		}
	}
	return nil
}

// synthesized is one synthesized stack with the views the tests need.
type synthesized struct {
	stack *pairStack
	tmpl  assertions.Template
	// raw is the template file exactly as `cdk synth` would write it.
	raw []byte
	// res is the parsed template's Resources.
	res map[string]any
	doc map[string]any
	// synthErr is the synth's failure, cdk-nag errors included. The
	// templates are written before validation, so the other tests still
	// check them and only the nag test reports it.
	synthErr error
}

var (
	exampleOnce sync.Once
	example     *synthesized
	exampleErr  error
)

// exampleStack returns the stack of the pairs file cdk.json names, built
// with cdk.json's context exactly as `cdk synth` builds it and synthesized
// once per test binary (starting jsii costs seconds, a synth well under one).
func exampleStack(t *testing.T) *synthesized {
	t.Helper()
	exampleOnce.Do(func() {
		var stacks []*synthesized
		stacks, exampleErr = synthApp(nil)
		if exampleErr == nil {
			example = stacks[0]
		}
	})
	if exampleErr != nil {
		t.Fatal(exampleErr)
	}
	return example
}

// synthApp builds the app with the given context overrides and the
// placeholder assets, synthesizes it into a temporary folder and returns
// every stack, each carrying the synth's failure if there was one.
// Errors: everything newApp reports, or a template that was not written.
func synthApp(ctx map[string]any) ([]*synthesized, error) {
	root, err := repoRoot(".")
	if err != nil {
		return nil, err
	}
	outdir, err := os.MkdirTemp(scratch, "cdk.out-")
	if err != nil {
		return nil, err
	}
	app, stacks, err := newApp(appOptions{Root: root, AssetRoot: placeholderAssets, Outdir: outdir, Context: ctx})
	if err != nil {
		return nil, err
	}
	synthErr := synth(app)
	var out []*synthesized
	for _, s := range stacks {
		one, err := readSynthesized(s, outdir)
		if err != nil {
			return nil, errors.Join(synthErr, err)
		}
		one.synthErr = synthErr
		out = append(out, one)
	}
	return out, nil
}

// readSynthesized reads s's template from outdir.
func readSynthesized(s *pairStack, outdir string) (*synthesized, error) {
	raw, err := os.ReadFile(filepath.Join(outdir, *s.StackName()+".template.json"))
	if err != nil {
		return nil, err
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, err
	}
	res, _ := doc["Resources"].(map[string]any)
	// From the file, not the stack: Template_FromStack would synthesize
	// again and panic on the same validation failure.
	tmpl := assertions.Template_FromJSON(&doc, nil)
	return &synthesized{stack: s, tmpl: tmpl, raw: raw, res: res, doc: doc}, nil
}

// catch runs f and returns what it panicked with as an error. jsii raises a
// failed CDK assertion (JS AssertionError) as a Go panic, which would abort
// the whole test binary instead of failing one test.
func catch(f func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	f()
	return nil
}

// check reports a failed assertion as a test error naming what was checked.
func check(t *testing.T, what string, assertion func()) {
	t.Helper()
	if err := catch(assertion); err != nil {
		t.Errorf("%s: %v", what, err)
	}
}

// ref and getAtt are how the template refers to a resource.
func ref(id string) map[string]any { return map[string]any{"Ref": id} }
func getAtt(id, attr string) map[string]any {
	return map[string]any{"Fn::GetAtt": []any{id, attr}}
}

// props returns the Properties of the resource with logical id id.
func (s *synthesized) props(t *testing.T, id string) map[string]any {
	t.Helper()
	r, ok := s.res[id].(map[string]any)
	if !ok {
		t.Fatalf("no resource %s in the template", id)
	}
	p, _ := r["Properties"].(map[string]any)
	return p
}

// ofType returns the logical ids and bodies of every resource of type typ.
func (s *synthesized) ofType(typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for id, r := range s.res {
		body, _ := r.(map[string]any)
		if body["Type"] == typ {
			out[id] = body
		}
	}
	return out
}

// obj is shorthand for the map literals assertions take.
type obj = map[string]any

// like and exact wrap assertions' matchers around a map literal.
func like(m obj) assertions.Matcher  { return assertions.Match_ObjectLike(&m) }
func exact(m obj) assertions.Matcher { return assertions.Match_ObjectEquals(&m) }

// mustJSON marshals v canonically (map keys sorted).
func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal %T: %v", v, err)
	}
	return string(b)
}

// assertJSON compares got and want as JSON, so 1 and 1.0 are equal and map
// order does not matter.
func assertJSON(t *testing.T, what string, got, want any) {
	t.Helper()
	if g, w := mustJSON(t, got), mustJSON(t, want); g != w {
		t.Errorf("%s:\n got  %s\n want %s", what, g, w)
	}
}
