// Package sfntest runs Amazon States Language state machines locally for
// tests: it validates a definition with asl-validator and executes it with
// aws-local-stepfunctions (both pinned npm packages in .sfn/), routing every
// Lambda Task by function name to a local invoke URL, typically a real
// bootstrap under the Lambda Runtime Interface Emulator (package rie), with
// the error semantics of Step Functions and Lambda.
//
// One Interpreter is one long-lived node process that serves any number of
// concurrent executions; start one per test (or once in a parent test for
// its subtests) and it is stopped when that test ends:
//
//	sfn := sfntest.Start(t)
//	fn := rie.Start(t, rie.Build(t, "github.com/drsync/drsync/functions/failover"), rie.Options{})
//	ex, err := sfn.Run(t.Context(), definition, input, sfntest.Options{
//		Functions:      map[string]string{"drsync-failover": fn.URL()},
//		RetryIntervals: map[string]time.Duration{sfntest.AllStates: 0},
//	})
//
// Without node or the installed tools the test is skipped with the command
// that installs them (failed instead under DRSYNC_REQUIRE_NODE=1).
package sfntest

import (
	"bufio"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"sync/atomic"
	"time"

	"github.com/drsync/drsync/shared/fixture"
	"github.com/drsync/drsync/shared/sfntest/internal/tail"
)

// The account and region of the ARNs the harness makes up (the Context
// object's, and those of functions named without an ARN).
const (
	Region  = "us-east-1"
	Account = "123456789012"
)

// Limits of the node process. It loads in 0.3-1 s; the bound is generous for
// a loaded 2-core CI machine.
const (
	startTimeout = time.Minute
	stopTimeout  = 10 * time.Second
	logLimit     = 16 << 10 // the end of node's stderr kept for errors
)

// ErrHarness marks a failure of the harness or of a definition's wiring
// (node died, a Task resource that cannot run locally, an unreachable
// function), as opposed to an execution that ended FAILED.
var ErrHarness = errors.New("sfntest harness")

//go:embed driver.cjs
var driver string

// Interpreter is a running node process serving validations and executions.
// It is safe for concurrent use.
type Interpreter struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	logs   *tail.Buffer  // the end of node's stderr
	exited chan struct{} // closed once node is reaped
	ready  chan struct{} // closed when the driver has loaded the tools
	write  sync.Mutex    // one request line at a time
	runs   atomic.Int64  // numbers unnamed executions
	mu     sync.Mutex    // guards the fields below
	nextID int64
	calls  map[int64]chan reply
}

// reply is one line from the driver; which fields are set depends on the op.
type reply struct {
	ID           int64      `json:"id"`
	Ready        bool       `json:"ready"`
	Problems     []Problem  `json:"problems"`
	Execution    *Execution `json:"execution"`
	HarnessError string     `json:"harnessError"`
}

// Start launches an interpreter that is stopped when t ends. It skips t when
// node or the tools are missing (fails it under DRSYNC_REQUIRE_NODE=1) and
// fails t when node cannot start them; on a failed test it logs node's stderr.
func Start(t fixture.T) *Interpreter {
	t.Helper()
	node, dir := tools(t)
	ctx, cancel := context.WithTimeout(t.Context(), startTimeout)
	defer cancel()
	i, err := start(ctx, node, dir)
	if err != nil {
		t.Fatalf("sfntest: %v", err)
	}
	t.Cleanup(func() {
		if err := i.stop(); err != nil {
			t.Errorf("sfntest: %v", err)
		}
		if t.Failed() && i.logs.String() != "" {
			t.Logf("sfntest: node's stderr:\n%s", i.logs)
		}
	})
	return i
}

// start runs the driver under node and waits until it has loaded the tools.
func start(ctx context.Context, node, dir string) (*Interpreter, error) {
	i := &Interpreter{
		cmd:    exec.Command(node, "-e", driver, dir, Region, Account),
		logs:   &tail.Buffer{Max: logLimit},
		exited: make(chan struct{}),
		ready:  make(chan struct{}),
		calls:  map[int64]chan reply{},
	}
	i.cmd.Stderr = i.logs
	i.cmd.SysProcAttr = sysProcAttr()
	stdout, err := i.cmd.StdoutPipe()
	if err == nil {
		i.stdin, err = i.cmd.StdinPipe()
	}
	if err == nil {
		err = i.cmd.Start()
	}
	if err != nil {
		return nil, fmt.Errorf("start node: %w", err)
	}
	go i.read(stdout)
	if err := i.waitReady(ctx); err != nil {
		_ = i.stop() // the start error is the one worth reporting
		return nil, err
	}
	return i, nil
}

// waitReady waits for the driver's ready line, its exit, or ctx.
func (i *Interpreter) waitReady(ctx context.Context) error {
	select {
	case <-i.ready:
		return nil
	case <-i.exited:
		return i.gone()
	case <-ctx.Done():
		return fmt.Errorf("node did not load the tools: %w\n%s", ctx.Err(), i.logs)
	}
}

// read dispatches the driver's replies until its stdout closes, then reaps
// the process. A line that is not a reply is kept with the logs.
func (i *Interpreter) read(stdout io.Reader) {
	lines := bufio.NewReader(stdout)
	for {
		line, err := lines.ReadBytes('\n')
		if len(line) > 0 {
			i.dispatch(line)
		}
		if err != nil {
			break
		}
	}
	_ = i.cmd.Wait() // gone() reports the exit status
	close(i.exited)
}

func (i *Interpreter) dispatch(line []byte) {
	var r reply
	if err := json.Unmarshal(line, &r); err != nil {
		_, _ = i.logs.Write(line)
		return
	}
	if r.Ready {
		close(i.ready)
		return
	}
	i.mu.Lock()
	ch := i.calls[r.ID]
	delete(i.calls, r.ID)
	i.mu.Unlock()
	if ch != nil {
		ch <- r // buffered: the caller may have given up
	}
}

// call sends one request and waits for its reply. When ctx ends first, it
// asks the driver to abort request id and returns ctx's error.
func (i *Interpreter) call(ctx context.Context, op string, req map[string]any) (reply, error) {
	id, ch := i.register()
	req["id"], req["op"] = id, op
	if err := i.send(req); err != nil {
		i.forget(id)
		return reply{}, err
	}
	select {
	case r := <-ch:
		if r.HarnessError != "" {
			return r, fmt.Errorf("%w: %s", ErrHarness, r.HarnessError)
		}
		return r, nil
	case <-i.exited:
		return reply{}, i.gone()
	case <-ctx.Done():
		i.forget(id)
		_ = i.send(map[string]any{"id": id, "op": "abort"}) // best effort: node may be gone
		return reply{}, ctx.Err()
	}
}

func (i *Interpreter) register() (int64, chan reply) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.nextID++
	ch := make(chan reply, 1)
	i.calls[i.nextID] = ch
	return i.nextID, ch
}

func (i *Interpreter) forget(id int64) {
	i.mu.Lock()
	defer i.mu.Unlock()
	delete(i.calls, id)
}

// send writes one request line.
func (i *Interpreter) send(req map[string]any) error {
	line, err := json.Marshal(req)
	if err != nil {
		return fmt.Errorf("encode the %v request: %w", req["op"], err)
	}
	i.write.Lock()
	defer i.write.Unlock()
	if _, err := i.stdin.Write(append(line, '\n')); err != nil {
		return fmt.Errorf("%w: send to node: %v\n%s", ErrHarness, err, i.logs)
	}
	return nil
}

// gone is the error of a request that node will never answer.
func (i *Interpreter) gone() error {
	return fmt.Errorf("%w: node exited (%v); its stderr:\n%s", ErrHarness, i.cmd.ProcessState, i.logs)
}

// stop kills node (it starts no processes of its own) and waits until it is
// reaped; stopping twice is harmless.
func (i *Interpreter) stop() error {
	if err := i.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("stop node: %w", err)
	}
	select {
	case <-i.exited:
		return nil
	case <-time.After(stopTimeout):
		return fmt.Errorf("stop node: pid %d not reaped after %s", i.cmd.Process.Pid, stopTimeout)
	}
}
