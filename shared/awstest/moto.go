// Package awstest runs moto_server (getmoto's AWS emulator, a Python program)
// for tests, so the real aws-sdk-go-v2 talks real HTTP to a local AWS: one
// server per binary, started by the first test that asks for it and stopped
// by Main (in a command run by fixture.Run, by Stop), plus a fault-injecting
// reverse proxy (proxy.go) for what moto cannot be made to do (throttling,
// lost responses).
//
// A package that uses it has:
//
//	func TestMain(m *testing.M) { awstest.Main(m) }
//
// and in a test:
//
//	cfg := awstest.Start(t).Config(t)
//	client := dynamodb.NewFromConfig(cfg)
//
// Tests share the server, so they isolate by name (a table, bucket or queue of
// their own) rather than by Reset, which wipes every service at once.
package awstest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/drsync/drsync/shared/awsconn"
	"github.com/drsync/drsync/shared/awsconn/chain"
	"github.com/drsync/drsync/shared/fixture"
)

// Settings every test client shares.
const (
	// Region is the region of every client Config builds.
	Region = "us-east-1"
	// InstallHint is the command that installs moto_server.
	InstallHint = "make tools-moto"
	// EnvRequireMoto, set to 1 (CI does), turns "moto_server is not installed"
	// from a skip into a failure, so a machine without moto cannot pass by
	// skipping every AWS test.
	EnvRequireMoto = "DRSYNC_REQUIRE_MOTO"
)

// Limits of starting the server. moto is ready in 0.6–1.5 s on this project's
// machines; the bound is generous for a loaded 2-core CI box.
const (
	startTimeout  = 60 * time.Second
	probeInterval = 50 * time.Millisecond
	portAttempts  = 3 // another process may take the free port before moto binds it
	stopTimeout   = 10 * time.Second
)

// Moto is a running moto_server on a loopback port, behind a proxy that
// passes it one request at a time (serial.go says why).
type Moto struct {
	url    string // the serializing proxy
	direct string // moto itself
	front  *serializer
	cmd    *exec.Cmd
	exited chan struct{} // closed when the process has been reaped
	out    *tail
}

// The one server of this binary, guarded by mu. A failed start is kept, so
// the tests after the first do not each wait for another failure.
var (
	mu        sync.Mutex
	shared    *Moto
	startErr  error
	startTook time.Duration
)

// Start returns this binary's moto_server, starting it on first use. It
// skips the test when moto_server is not on PATH (fails instead under
// DRSYNC_REQUIRE_MOTO=1) and fails it when the server cannot be started.
func Start(t fixture.T) *Moto {
	t.Helper()
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		missing(t, err)
	}
	m, err := startShared(bin)
	if err != nil {
		t.Fatalf("awstest: %v", err)
	}
	return m
}

// startShared starts the binary's server unless it runs (or failed).
func startShared(bin string) (*Moto, error) {
	mu.Lock()
	defer mu.Unlock()
	if shared == nil && startErr == nil {
		ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
		defer cancel()
		begin := time.Now()
		shared, startErr = start(ctx, bin)
		startTook = time.Since(begin)
	}
	return shared, startErr
}

// StartupTime reports how long this binary's server took to become ready; 0
// before Start.
func StartupTime() time.Duration {
	mu.Lock()
	defer mu.Unlock()
	return startTook
}

// Stop stops the binary's server if one runs (what Main does after the
// tests); the next Start starts a new one. A command, which has no TestMain,
// calls it when it is done with moto, or a process it started outlives it.
func Stop() error {
	mu.Lock()
	defer mu.Unlock()
	m := shared
	shared, startErr = nil, nil
	if m == nil {
		return nil
	}
	return m.stop()
}

// missing skips (or, under DRSYNC_REQUIRE_MOTO=1, fails) a test on a machine
// without moto_server.
func missing(t fixture.T, err error) {
	t.Helper()
	msg := fmt.Sprintf("moto_server not found (%v): install it with `%s`", err, InstallHint)
	if os.Getenv(EnvRequireMoto) == "1" {
		t.Fatalf("awstest: %s (%s=1 forbids skipping)", msg, EnvRequireMoto)
	}
	t.Skip("awstest: " + msg)
}

// Main runs the package's tests and then stops the server if one started, so
// no moto_server outlives the test binary. Call it from TestMain; the testing
// package exits with m.Run's code when TestMain returns.
func Main(m *testing.M) {
	m.Run()
	if err := Stop(); err != nil {
		fmt.Fprintf(os.Stderr, "awstest: %v\n", err)
	}
}

// URL is the server's endpoint, http://127.0.0.1:<port> (the serializing
// proxy in front of moto).
func (m *Moto) URL() string { return m.url }

// Config returns an aws.Config for the server: region us-east-1, static
// credentials test/test, built by chain.Config as the CLI builds its own.
func (m *Moto) Config(t fixture.T) aws.Config {
	t.Helper()
	return ConfigAt(t, m.url)
}

// ConfigAt is Config for any endpoint (a Proxy in front of moto). Retries
// back off at most 20 ms so a test of throttling stays fast.
func ConfigAt(t fixture.T, endpoint string) aws.Config {
	t.Helper()
	cfg, err := chain.Config(t.Context(), awsconn.Options{
		Region:      Region,
		Endpoint:    endpoint,
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
		MaxBackoff:  20 * time.Millisecond,
	})
	if err != nil {
		t.Fatalf("awstest: %v", err)
	}
	return cfg
}

// Reset wipes every service in the server (POST /moto-api/reset). Every test
// of the binary shares the server, so only a test that runs alone may call it.
func (m *Moto) Reset(t fixture.T) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, m.url+"/moto-api/reset", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("awstest: reset moto: %v", err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("awstest: reset moto: HTTP %d", resp.StatusCode)
	}
}

// start launches moto_server on a free port, trying a few ports in case one
// is taken between choosing and binding it, and returns it once it answers.
func start(ctx context.Context, bin string) (*Moto, error) {
	var errs []error
	for range portAttempts {
		m, err := launch(ctx, bin)
		if err == nil {
			return m, nil
		}
		errs = append(errs, err)
		if ctx.Err() != nil {
			break
		}
	}
	return nil, fmt.Errorf("start %s: %w", bin, errors.Join(errs...))
}

// launch starts one moto_server process and waits until it is ready; on
// failure the process is gone and the error carries its last output.
func launch(ctx context.Context, bin string) (*Moto, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	m := &Moto{
		direct: "http://127.0.0.1:" + strconv.Itoa(port),
		cmd:    exec.Command(bin, "-H", "127.0.0.1", "-p", strconv.Itoa(port)),
		exited: make(chan struct{}),
		out:    &tail{max: 8 << 10},
	}
	m.cmd.Stdout, m.cmd.Stderr = m.out, m.out
	m.cmd.SysProcAttr = sysProcAttr()
	if err := m.cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		_ = m.cmd.Wait() // the exit status of a killed server says nothing
		close(m.exited)
	}()
	if err := m.waitReady(ctx); err != nil {
		_ = m.stop() // the readiness error is the one worth reporting
		return nil, fmt.Errorf("port %d: %w; output:\n%s", port, err, m.out)
	}
	if m.front, m.url, err = startSerializer(m.direct); err != nil {
		_ = m.stop()
		return nil, err
	}
	return m, nil
}

// freePort returns a loopback port nothing listens on right now.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer func() { _ = l.Close() }() // only its port number was wanted
	return l.Addr().(*net.TCPAddr).Port, nil
}

// waitReady polls GET /moto-api/ until it answers 200, the process exits, or
// ctx ends.
func (m *Moto) waitReady(ctx context.Context) error {
	tick := time.NewTicker(probeInterval)
	defer tick.Stop()
	for {
		if m.ready(ctx) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("not ready: %w", ctx.Err())
		case <-m.exited:
			return fmt.Errorf("exited before it was ready (%v)", m.cmd.ProcessState)
		case <-tick.C:
		}
	}
}

// ready reports whether the server answers its API root with 200.
func (m *Moto) ready(ctx context.Context) bool {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, m.direct+"/moto-api/", nil)
	if err != nil {
		return false
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	_ = resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// stop kills the server's whole process group (the pyenv shim and the Python
// process it execs, and anything they started) and waits for it to be reaped.
func (m *Moto) stop() error {
	if m.front != nil {
		if err := m.front.close(); err != nil {
			return fmt.Errorf("stop moto's proxy: %w", err)
		}
	}
	if err := kill(m.cmd.Process); err != nil {
		return fmt.Errorf("stop moto_server: %w", err)
	}
	select {
	case <-m.exited:
		return nil
	case <-time.After(stopTimeout):
		return fmt.Errorf("stop moto_server: pid %d not reaped after %s", m.cmd.Process.Pid, stopTimeout)
	}
}

// tail keeps the last max bytes written to it: the end of moto's log, for the
// error when it fails to start.
type tail struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (w *tail) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	if over := len(w.buf) - w.max; over > 0 {
		w.buf = append(w.buf[:0], w.buf[over:]...)
	}
	return len(p), nil
}

func (w *tail) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return string(w.buf)
}
