package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/jsii-runtime-go"
)

var update = flag.Bool("update", false, "rewrite infra/testdata/*.template.json from the current stack")

// The template is byte-identical to the committed baseline, which is what
// `cdk synth` writes with the placeholder bootstraps: infrastructure changes
// show up in review (and in `make diff-local`), never by accident.
func TestTemplateMatchesBaseline(t *testing.T) {
	s := exampleStack(t)
	path := filepath.Join("testdata", *s.stack.StackName()+".template.json")
	if *update {
		if err := os.WriteFile(path, s.raw, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (create it with: go test ./infra -run TestTemplateMatchesBaseline -update)", err)
	}
	if !bytes.Equal(s.raw, want) {
		t.Errorf("template differs from %s: review with `make diff-local`, then accept with "+
			"go test ./infra -run TestTemplateMatchesBaseline -update", path)
	}
}

// The template passes cfn-lint under the repository's .cfnlintrc.yaml (only
// W3005 ignored). cfn-lint is a Python tool that comes with the machine image
// (PyPI is unreachable here); without it the test says so and skips.
func TestCfnLint(t *testing.T) {
	bin, err := exec.LookPath("cfn-lint")
	if err != nil {
		t.Skip("cfn-lint is not installed: the template was not linted")
	}
	s := exampleStack(t)
	path := filepath.Join(t.TempDir(), *s.stack.StackName()+".template.json")
	if err := os.WriteFile(path, s.raw, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--", path)
	cmd.Dir = repoDir(t) // where .cfnlintrc.yaml is
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("cfn-lint: %v\n%s", err, out)
	}
}

// Every folder under functions/ is deployed: a new function without a spec
// (memory, trigger, grants) fails here instead of silently not deploying.
func TestEveryFunctionFolderHasASpec(t *testing.T) {
	entries, err := os.ReadDir(filepath.Join("..", "functions"))
	if err != nil {
		t.Fatal(err)
	}
	names := exampleFunctionNames()
	for _, e := range entries {
		if e.IsDir() && !slices.Contains(names, e.Name()) {
			t.Errorf("functions/%s has no functionSpec in infra/functions.go", e.Name())
		}
	}
}

// A missing bootstrap fails the synth with the command that fixes it, for
// every missing function at once, before any construct exists.
func TestMissingBootstrapNamesTheFix(t *testing.T) {
	err := checkAssets(t.TempDir(), functionSpecs(&pairProps{}))
	if err == nil {
		t.Fatal("checkAssets on an empty folder = nil, want an error")
	}
	for _, want := range []string{"sync/bootstrap", "auditlog/bootstrap", "make build-functions"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

// One stack per pair: a pairs file given with -c (as context) replaces the
// one in cdk.json, and each pair gets its own stack, table and environment;
// a customer-managed secrets key adds a Secrets-Manager-only decrypt grant.
func TestOneStackPerPair(t *testing.T) {
	path := writeTwoPairs(t)
	stacks, err := synthApp(map[string]any{contextPairsFile: path})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range stacks {
		names = append(names, *s.stack.StackName())
		check(t, *s.stack.StackName()+" table", func() { s.tmpl.ResourceCountIs(jsii.String("AWS::DynamoDB::Table"), jsii.Number(1)) })
	}
	if want := []string{"drsync-dev-to-dr", "drsync-prod-to-dr"}; !slices.Equal(names, want) {
		t.Fatalf("stacks %v, want %v", names, want)
	}
	prod := stacks[1]
	if got := *prod.stack.Region(); got != "us-west-2" {
		t.Errorf("prod stack region = %s, want us-west-2", got)
	}
	check(t, "key grant", func() {
		prod.tmpl.HasResourceProperties(jsii.String("AWS::IAM::Policy"), like(obj{"PolicyDocument": like(obj{
			"Statement": []any{like(obj{"Sid": "LedgerItems"}), like(obj{"Sid": "WorkspaceCredentials"}), exact(obj{
				"Sid": "WorkspaceCredentialsKey", "Effect": "Allow", "Action": "kms:Decrypt",
				"Resource":  "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
				"Condition": obj{"StringEquals": obj{"kms:ViaService": []any{"secretsmanager.us-east-1.amazonaws.com", "secretsmanager.us-west-2.amazonaws.com"}}},
			}), like(obj{}), like(obj{}), like(obj{})},
		})}))
	})
}

// writeTwoPairs writes a pairs file with the example pair and a second one
// (own sync config, pinned environment, secrets in two regions under a
// customer-managed key) and returns its path.
func writeTwoPairs(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	example := readExamplePairs(t)
	dev := example[0]
	dev["syncConfig"] = filepath.Join(repoDir(t), "infra", "sync-config", "dev-to-dr.json")
	prod := maps.Clone(dev)
	prod["pair"] = "prod-to-dr"
	prod["syncConfig"] = "prod.json"
	prod["account"], prod["region"] = "123456789012", "us-west-2"
	prod["sourceSecretArn"] = "arn:aws:secretsmanager:us-east-1:123456789012:secret:drsync/prod/source-AbCdEf"
	prod["targetSecretArn"] = "arn:aws:secretsmanager:us-west-2:123456789012:secret:drsync/prod/target-GhIjKl"
	prod["secretsKeyArn"] = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	writeJSON(t, filepath.Join(dir, "prod.json"), obj{
		"pair":   "prod-to-dr",
		"source": obj{"host": "https://prod.cloud.databricks.com"},
		"target": obj{"host": "https://prod-dr.cloud.databricks.com"},
	})
	path := filepath.Join(dir, "pairs.json")
	writeJSON(t, path, obj{"pairs": []any{dev, prod}})
	return path
}

// readExamplePairs returns the committed example pairs file's pairs.
func readExamplePairs(t *testing.T) []obj {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("sync-config", "pairs.json"))
	if err != nil {
		t.Fatal(err)
	}
	var f struct{ Pairs []obj }
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	return f.Pairs
}

func repoDir(t *testing.T) string {
	t.Helper()
	root, err := repoRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func writeJSON(t *testing.T, path string, v any) {
	t.Helper()
	if err := os.WriteFile(path, []byte(mustJSON(t, v)), 0o644); err != nil {
		t.Fatal(err)
	}
}

// The sync timeout ends a run before the next tick and within Lambda's limit.
func TestSyncTimeout(t *testing.T) {
	for rate, want := range map[time.Duration]time.Duration{
		2 * time.Minute:  time.Minute,
		15 * time.Minute: 14 * time.Minute,
		time.Hour:        15 * time.Minute,
	} {
		if got := syncTimeout(rate); got != want {
			t.Errorf("syncTimeout(%s) = %s, want %s", rate, got, want)
		}
	}
}

// Alarm texts show durations the way people write them.
func TestShortDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		time.Hour: "1h", 90 * time.Minute: "1h30m", 45 * time.Minute: "45m", 24 * time.Hour: "24h",
	} {
		if got := short(d); got != want {
			t.Errorf("short(%s) = %q, want %q", d, got, want)
		}
	}
}
