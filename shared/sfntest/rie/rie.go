//go:build linux

package rie

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os/exec"
	"regexp"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/drsync/drsync/shared/fixture"
	"github.com/drsync/drsync/shared/sfntest/internal/tail"
)

// Limits of the harness. The RIE listens within ~15 ms; the bounds are for a
// loaded 2-core CI machine and a cold build cache.
const (
	buildTimeout = 10 * time.Minute
	startTimeout = 10 * time.Second
	stopTimeout  = 10 * time.Second
	attempts     = 3       // another process may take a free port before the RIE binds it
	logLimit     = 1 << 20 // the end of the RIE's and the function's output kept for Logs
)

// Options configure one function.
type Options struct {
	// Name is AWS_LAMBDA_FUNCTION_NAME; empty means "function".
	Name string
	// Env is the function's whole environment: nothing of the test's own
	// environment reaches it.
	Env map[string]string
	// Timeout is AWS_LAMBDA_FUNCTION_TIMEOUT, in whole seconds; 0 leaves the
	// RIE's 300 s. Past it the RIE answers "Task timed out after ..." and
	// restarts the runtime.
	Timeout time.Duration
}

// Function is one bootstrap served by its own RIE on loopback ports.
type Function struct {
	name     string
	cmd      *exec.Cmd
	logs     *tail.Buffer
	exited   chan struct{}
	front    *httptest.Server
	invokes  atomic.Int64
	started  time.Time
	first    atomic.Int64 // nanoseconds from started to the first response
	stopOnce sync.Once
	stopErr  error
}

// Start runs bootstrap under its own RIE and stops both (the whole process
// group) when t ends; it fails t when the RIE does not listen.
func Start(t fixture.T, bootstrap string, opts Options) *Function {
	t.Helper()
	if opts.Name == "" {
		opts.Name = "function"
	}
	rie := rieBinary(t)
	var errs []error
	for range attempts {
		f, err := launch(t, rie, bootstrap, opts)
		if err == nil {
			return f
		}
		errs = append(errs, err)
	}
	t.Fatalf("rie: start %s: %v", opts.Name, errors.Join(errs...))
	return nil
}

// launch starts one RIE on fresh ports and its serializing front, both
// stopped when t ends.
func launch(t fixture.T, rie, bootstrap string, opts Options) (*Function, error) {
	api, err := freeAddr()
	if err != nil {
		return nil, err
	}
	emu, err := freeAddr()
	if err != nil {
		return nil, err
	}
	f := &Function{name: opts.Name, logs: &tail.Buffer{Max: logLimit}, exited: make(chan struct{})}
	f.cmd = exec.Command(rie, "--runtime-interface-emulator-address", emu, "--runtime-api-address", api, bootstrap)
	f.cmd.Env = environ(opts)
	f.cmd.Stdout, f.cmd.Stderr = f.logs, f.logs
	// A group of its own, so stop takes the bootstrap with it; SIGKILLed
	// if the test binary dies first.
	f.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	f.started = time.Now()
	if err := f.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the RIE: %w", err)
	}
	go func() { _ = f.cmd.Wait(); close(f.exited) }()
	if err := f.waitListening(t.Context(), emu); err != nil {
		_ = f.stop()
		return nil, err
	}
	f.front = httptest.NewServer(f.serialize(emu)) // httptest binds 127.0.0.1
	t.Cleanup(func() {
		if err := f.Stop(); err != nil {
			t.Errorf("rie: %v", err)
		}
		if t.Failed() {
			t.Logf("rie: %s's output:\n%s", f.name, f.logs)
		}
	})
	return f, nil
}

// Stop stops the function now, before its test ends, and returns once the
// RIE is reaped, and with it all the output the function wrote after its
// responses (its last log lines, its EMF lines). Stopping twice is harmless.
func (f *Function) Stop() error {
	f.stopOnce.Do(func() {
		f.front.Close()
		f.stopErr = f.stop()
	})
	return f.stopErr
}

// environ is the function's environment: opts.Env plus what the RIE reads.
func environ(opts Options) []string {
	env := []string{"AWS_LAMBDA_FUNCTION_NAME=" + opts.Name}
	if opts.Timeout > 0 {
		env = append(env, "AWS_LAMBDA_FUNCTION_TIMEOUT="+strconv.Itoa(int(opts.Timeout.Seconds())))
	}
	for k, v := range opts.Env {
		env = append(env, k+"="+v)
	}
	return env
}

// serialize forwards invokes to the RIE at addr one at a time and counts
// them: the RIE crashes (a nil-pointer panic, both requests unanswered) on
// a second invoke while one is in flight, which a Parallel or Map state, or
// two tests, would otherwise send.
func (f *Function) serialize(addr string) http.Handler {
	proxy := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: addr})
	var one sync.Mutex
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		one.Lock()
		defer one.Unlock()
		f.invokes.Add(1)
		proxy.ServeHTTP(w, r)
		f.first.CompareAndSwap(0, int64(time.Since(f.started)))
	})
}

// URL is where the function is invoked:
// http://127.0.0.1:PORT/2015-03-31/functions/function/invocations.
func (f *Function) URL() string {
	return f.front.URL + "/2015-03-31/functions/function/invocations"
}

// Invocations counts the invokes the function has received.
func (f *Function) Invocations() int { return int(f.invokes.Load()) }

// Logs is what the RIE and the function wrote so far (its last MiB).
func (f *Function) Logs() string { return f.logs.String() }

// FirstResponse is the cold start as a caller sees it: from starting the RIE
// to the end of the first response; 0 before one.
func (f *Function) FirstResponse() time.Duration { return time.Duration(f.first.Load()) }

// initReport matches the RIE's report of a cold start's init phase (the
// first one: after a failed init the RIE reports a second, empty one).
var initReport = regexp.MustCompile(`INIT REPORT\(durationMs: ([0-9.]+)\)`)

// InitDuration is the init phase (main up to lambda.Start's first poll) the
// RIE reported in Logs, or 0.
func (f *Function) InitDuration() time.Duration {
	m := initReport.FindStringSubmatch(f.Logs())
	if m == nil {
		return 0
	}
	ms, _ := strconv.ParseFloat(m[1], 64) // the pattern admits only a number
	return time.Duration(ms * float64(time.Millisecond))
}

// freeAddr returns a loopback address nothing listens on right now.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	defer func() { _ = l.Close() }() // only its address was wanted
	return l.Addr().String(), nil
}

// waitListening waits until the RIE accepts connections on addr, exits, or
// startTimeout or ctx ends.
func (f *Function) waitListening(ctx context.Context, addr string) error {
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	var dialer net.Dialer
	for {
		if c, err := dialer.DialContext(ctx, "tcp", addr); err == nil {
			_ = c.Close()
			return nil
		}
		select {
		case <-f.exited:
			return fmt.Errorf("the RIE exited (%v):\n%s", f.cmd.ProcessState, f.logs)
		case <-ctx.Done():
			return fmt.Errorf("the RIE did not listen on %s: %w\n%s", addr, ctx.Err(), f.logs)
		case <-tick.C:
		}
	}
}

// stop kills the RIE's process group and waits until it is reaped.
func (f *Function) stop() error {
	err := syscall.Kill(-f.cmd.Process.Pid, syscall.SIGKILL)
	if err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("stop the RIE for %s: %w", f.name, err)
	}
	select {
	case <-f.exited:
		return nil
	case <-time.After(stopTimeout):
		return fmt.Errorf("stop the RIE for %s: pid %d not reaped after %s", f.name, f.cmd.Process.Pid, stopTimeout)
	}
}
