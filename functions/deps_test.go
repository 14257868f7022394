//go:build linux

package functions_test

import (
	"bufio"
	"bytes"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/drsync/drsync/shared/handler/handlertest"
	"github.com/drsync/drsync/shared/localstack"
)

// sdkModule is the Databricks SDK. Its Google auth links protobuf, whose
// reflection switches off the linker's removal of unused methods: every AWS
// client in a binary that links it then weighs its whole API.
const sdkModule = "github.com/databricks/databricks-sdk-go"

// everyFunction stands for all of localstack.Functions in a ban.
var everyFunction = []string(nil)

// bans are what functions must never link, as built for Lambda, and why
// (make bench-lambda measures the sizes).
var bans = []struct {
	pkg, why  string
	functions []string // nil: every function
}{
	{sdkModule, "replcheck talks to S3 and DynamoDB only; the SDK took its bootstrap from 9.9 MB to 23.9 MB", []string{"replcheck"}},
	{"github.com/aws/aws-sdk-go-v2/service/s3", "its client weighs 4.6 MB next to the Databricks SDK; awsconn.S3Objects makes the one GET", []string{"sync", "auditlog", "failover"}},
	{"github.com/aws/aws-sdk-go-v2/service/secretsmanager", "its client weighs 0.4 MB next to the Databricks SDK; awsconn.Secrets makes the one call", everyFunction},
	{"github.com/aws/aws-sdk-go-v2/config", "the default chain's loader links STS, SSO and sign-in clients (0.4 MB); functions use awsconn.LambdaConfig", everyFunction},
	{sdkModule + "/service/sql", "the catalog lists warehouses by a plain paged GET; with pipelines and settings it took the auditlog bootstrap from 19.60 to 20.05 MB", everyFunction},
	{sdkModule + "/service/pipelines", "the catalog lists pipelines by a plain paged GET (see service/sql)", everyFunction},
	{sdkModule + "/service/settings", "the catalog lists notification destinations by a plain paged GET (see service/sql)", everyFunction},
	{"github.com/drsync/drsync/shared/emulator", "it is test code", everyFunction},
}

// Each function links nothing banned; the message shows the import chain
// that brought it in. The sync function's link of the Databricks SDK is
// seen, so the check can see what it looks for.
func TestFunctionsLinkNothingBanned(t *testing.T) {
	for _, name := range localstack.Functions {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			main := "github.com/drsync/drsync/functions/" + name
			imports := lambdaImports(t, "./functions/"+name)
			for _, ban := range bans {
				if ban.functions != nil && !slices.Contains(ban.functions, name) {
					continue
				}
				if chain := importChain(imports, main, ban.pkg); chain != nil {
					t.Errorf("%s links %s (%s): %s", name, ban.pkg, ban.why, strings.Join(chain, " → "))
				}
			}
			if name == "sync" && importChain(imports, main, sdkModule) == nil {
				t.Errorf("no import chain from sync to %s found: the check is blind", sdkModule)
			}
		})
	}
}

// lambdaImports lists pkg's dependencies as built for Lambda (linux/arm64,
// the deployment tags), each with what it imports.
func lambdaImports(t *testing.T, pkg string) map[string][]string {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), "go", "list", "-deps", "-tags", localstack.Tags,
		"-f", "{{.ImportPath}} {{join .Imports \" \"}}", pkg)
	cmd.Dir = handlertest.ModuleRoot(t)
	cmd.Env = append(cmd.Environ(), "GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%v: %v\n%s", cmd.Args, err, stderr.String())
	}
	imports := map[string][]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		imports[f[0]] = f[1:]
	}
	return imports
}

// importChain is a path of imports from pkg to a package under prefix
// (the module or package path itself, or below it), or nil.
func importChain(imports map[string][]string, pkg, prefix string) []string {
	under := func(p string) bool { return p == prefix || strings.HasPrefix(p, prefix+"/") }
	from := map[string]string{pkg: ""}
	queue := []string{pkg}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		if under(p) {
			var chain []string
			for ; p != ""; p = from[p] {
				chain = append(chain, p)
			}
			slices.Reverse(chain)
			return chain
		}
		for _, next := range imports[p] {
			if _, seen := from[next]; !seen {
				from[next] = p
				queue = append(queue, next)
			}
		}
	}
	return nil
}
