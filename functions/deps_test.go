//go:build linux

package functions_test

import (
	"bufio"
	"bytes"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// sdkModule is the Databricks SDK. Its Google auth links protobuf, whose
// reflection switches off the linker's removal of unused methods: every AWS
// client in a binary that links it then weighs its whole API.
const sdkModule = "github.com/databricks/databricks-sdk-go"

// banned are what each function must never link, as built for Lambda: the
// replcheck function talks to S3 and DynamoDB only, and linking the
// Databricks SDK took its bootstrap from 10 MB to 24 MB; no function links
// the emulator.
var banned = map[string][]string{
	"sync":      {"github.com/drsync/drsync/shared/emulator"},
	"auditlog":  {"github.com/drsync/drsync/shared/emulator"},
	"replcheck": {sdkModule, "github.com/drsync/drsync/shared/emulator"},
}

// Each function links nothing banned; the message shows the import chain
// that brought it in. The sync function's link of the SDK is seen, so the
// check can see what it looks for.
func TestFunctionsLinkNothingBanned(t *testing.T) {
	for _, name := range functionNames {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			imports := lambdaImports(t, "./functions/"+name)
			for _, ban := range banned[name] {
				if chain := importChain(imports, "github.com/drsync/drsync/functions/"+name, ban); chain != nil {
					t.Errorf("%s links %s: %s", name, ban, strings.Join(chain, " → "))
				}
			}
			if name == "sync" && importChain(imports, "github.com/drsync/drsync/functions/sync", sdkModule) == nil {
				t.Errorf("no import chain from sync to %s found: the check is blind", sdkModule)
			}
		})
	}
}

// lambdaImports lists pkg's dependencies as built for Lambda (linux/arm64,
// the deployment tags), each with what it imports.
func lambdaImports(t *testing.T, pkg string) map[string][]string {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), "go", "list", "-deps", "-tags", lambdaTags,
		"-f", "{{.ImportPath}} {{join .Imports \" \"}}", pkg)
	cmd.Dir = moduleRoot()
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
