//go:build linux

package functions_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/drsync/drsync/shared/handler/handlertest"
)

// The functions under test, built as Lambda builds them.
var functionNames = []string{"sync", "auditlog", "replcheck", "failover"}

// lambdaTags are the build tags of the deployed binaries (Makefile LAMBDA_TAGS).
const lambdaTags = "lambda.norpc,grpcnotrace"

// rieModule is the Lambda Runtime Interface Emulator, a tool of go.mod.
const rieModule = "github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie"

// Limits of the harness.
const (
	buildTimeout  = 10 * time.Minute // a cold build cache compiles both SDKs
	startTimeout  = 10 * time.Second
	invokeTimeout = 2 * time.Minute
	stopTimeout   = 10 * time.Second
)

// binaries are this test binary's builds, made once and removed by TestMain.
type binaries struct {
	dir  string
	rie  string
	took time.Duration
	err  error
}

var (
	buildOnce sync.Once
	built     binaries
)

// build compiles the functions (as <dir>/<name>/bootstrap, with the
// deployment flags, for this machine's architecture) and the RIE, once per
// test binary.
func build(t testing.TB) *binaries {
	t.Helper()
	buildOnce.Do(func() {
		begin := time.Now()
		built.dir, built.err = os.MkdirTemp("", "drsync-lambda-")
		if built.err == nil {
			built.err = buildAll(built.dir, runtime.GOARCH, true)
		}
		built.rie, built.took = filepath.Join(built.dir, "bin", "aws-lambda-rie"), time.Since(begin)
	})
	if built.err != nil {
		t.Fatalf("build the functions: %v", built.err)
	}
	return &built
}

// buildAll runs one go build for the functions and, withRIE, the RIE
// (one command, so the compiler works on them in parallel) and moves each
// function's binary to <dir>/<name>/bootstrap.
func buildAll(dir, arch string, withRIE bool) error {
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	args := []string{"build", "-tags", lambdaTags, "-ldflags", "-s -w", "-trimpath", "-o", filepath.Join(dir, "bin") + "/"}
	for _, name := range functionNames {
		args = append(args, "./functions/"+name)
	}
	if withRIE {
		args = append(args, rieModule)
	}
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = moduleRoot()
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+arch)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%v: %w\n%s", cmd.Args, err, out)
	}
	for _, name := range functionNames {
		if err := os.MkdirAll(filepath.Join(dir, name), 0o755); err != nil {
			return err
		}
		if err := os.Rename(filepath.Join(dir, "bin", name), bootstrap(dir, name)); err != nil {
			return err
		}
	}
	return nil
}

func bootstrap(dir, name string) string { return filepath.Join(dir, name, "bootstrap") }

// moduleRoot is the folder above this package: go test runs in functions/.
func moduleRoot() string {
	wd, _ := os.Getwd()
	return filepath.Dir(wd)
}

// removeBuilds deletes the builds (TestMain, after every test).
func removeBuilds() {
	if built.dir != "" {
		_ = os.RemoveAll(built.dir)
	}
}

// rie is one RIE process serving one function on loopback ports. The RIE
// crashes on concurrent invokes, so invoke holds a lock.
type rie struct {
	name    string
	cmd     *exec.Cmd
	url     string
	out     *handlertest.Buffer
	exited  chan struct{}
	started time.Time

	mu       sync.Mutex
	first    time.Duration // start to first response
	stopOnce sync.Once
}

// startRIE runs function name under its own RIE with env (nothing else from
// the test's environment) and stops it when the test ends.
func startRIE(t testing.TB, b *binaries, name string, env map[string]string) *rie {
	t.Helper()
	api, emu := freePort(t), freePort(t)
	r := &rie{name: name, url: "http://" + emu + "/2015-03-31/functions/function/invocations",
		out: &handlertest.Buffer{}, exited: make(chan struct{})}
	r.cmd = exec.Command(b.rie, "--runtime-interface-emulator-address", emu, "--runtime-api-address", api, bootstrap(b.dir, name))
	for k, v := range env {
		r.cmd.Env = append(r.cmd.Env, k+"="+v)
	}
	r.cmd.Env = append(r.cmd.Env, "AWS_LAMBDA_FUNCTION_NAME=drsync-"+name, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=512")
	r.cmd.Stdout, r.cmd.Stderr = r.out, r.out
	// Its own process group, so stop takes the bootstrap with it; SIGKILLed
	// if the test binary dies first.
	r.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	r.started = time.Now()
	if err := r.cmd.Start(); err != nil {
		t.Fatalf("start the RIE for %s: %v", name, err)
	}
	go func() { _ = r.cmd.Wait(); close(r.exited) }()
	t.Cleanup(func() { r.stop(t) })
	r.waitListening(t, emu)
	return r
}

// freePort returns a loopback address nothing listens on right now.
func freePort(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = l.Close() }()
	return l.Addr().String()
}

// waitListening waits until the RIE accepts connections.
func (r *rie) waitListening(t testing.TB, addr string) {
	t.Helper()
	deadline := time.Now().Add(startTimeout)
	for time.Now().Before(deadline) {
		if c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond); err == nil {
			_ = c.Close()
			return
		}
		select {
		case <-r.exited:
			t.Fatalf("the RIE for %s exited: %v\n%s", r.name, r.cmd.ProcessState, r.out.String())
		case <-time.After(5 * time.Millisecond):
		}
	}
	t.Fatalf("the RIE for %s did not listen on %s within %v", r.name, addr, startTimeout)
}

// stop kills the RIE's process group and waits for it and for its output to
// be copied; stopping a stopped RIE does nothing.
func (r *rie) stop(t testing.TB) {
	r.stopOnce.Do(func() {
		if err := syscall.Kill(-r.cmd.Process.Pid, syscall.SIGKILL); err != nil && err != syscall.ESRCH {
			t.Errorf("stop the RIE for %s: %v", r.name, err)
		}
		select {
		case <-r.exited:
		case <-time.After(stopTimeout):
			t.Errorf("the RIE for %s (pid %d) did not exit", r.name, r.cmd.Process.Pid)
		}
	})
}

// functionError is a Lambda error payload. The RIE sends no
// X-Amz-Function-Error header, so errors are known by their body.
type functionError struct {
	Type    string `json:"errorType"`
	Message string `json:"errorMessage"`
}

func (e *functionError) Error() string { return e.Type + ": " + e.Message }

// invoke sends payload to the function and returns the response body, or
// the function's error (errorType in the body; or "Task timed out").
func (r *rie) invoke(t testing.TB, payload []byte) ([]byte, *functionError) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), invokeTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.url, bytes.NewReader(payload))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("invoke %s: %v\n%s", r.name, err, r.out.String())
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if r.first == 0 {
		r.first = time.Since(r.started)
	}
	if resp.StatusCode >= 300 {
		// A runtime that died (a failed init, a panic) is answered 5xx,
		// with an error payload or nothing.
		if e := asError(body); e != nil {
			return body, e
		}
		return body, &functionError{Type: resp.Status, Message: string(body)}
	}
	return body, asError(body)
}

// asError reads a Lambda error out of a response body, or returns nil.
func asError(body []byte) *functionError {
	if bytes.HasPrefix(body, []byte("Task timed out")) {
		return &functionError{Type: "Timeout", Message: string(body)}
	}
	var e functionError
	if json.Unmarshal(body, &e) == nil && e.Type != "" {
		return &e
	}
	return nil
}

// initReport matches the RIE's report of a cold start's init phase (the
// first one: after a failed init the RIE reports a second, empty one).
var initReport = regexp.MustCompile(`INIT REPORT\(durationMs: ([0-9.]+)\)`)

// initDuration is the init phase the RIE reported, or 0.
func (r *rie) initDuration() time.Duration {
	m := initReport.FindStringSubmatch(r.out.String())
	if m == nil {
		return 0
	}
	ms, _ := strconv.ParseFloat(m[1], 64)
	return time.Duration(ms * float64(time.Millisecond))
}

// summary decodes a successful response into v.
func summary(t testing.TB, body []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("response is not a summary: %v\n%s", err, body)
	}
}

// emfLines are the EMF documents a function wrote, as the RIE passed them on.
func (r *rie) emfLines() []map[string]any { return handlertest.EMF(r.out.String()) }

// tail is the end of the RIE's output, for failure messages.
func (r *rie) tail() string {
	s := r.out.String()
	if len(s) > 6000 {
		s = "…" + s[len(s)-6000:]
	}
	return strings.TrimSpace(s)
}
