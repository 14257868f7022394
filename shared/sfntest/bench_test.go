//go:build linux

package sfntest

import (
	"context"
	"testing"

	"github.com/drsync/drsync/shared/sfntest/rie"
)

// oneTask is a definition with one Lambda Task through lambda:invoke.
const oneTask = `{"StartAt": "Call", "States": {"Call": {"Type": "Task", "End": true,
  "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "probe", "Payload.$": "$"}}}}`

// BenchmarkInterpreter measures what decided the process model: one node
// process kept running for many executions ("run"), against a process
// started per execution ("process per execution"); "start" is the process's
// own cost (node, the tools loaded), paid once per Start.
//
//	go test -run '^$' -bench Interpreter -benchtime 20x ./shared/sfntest/
func BenchmarkInterpreter(b *testing.B) {
	node, dir := tools(b)
	fn := rie.Start(b, rie.Build(b, "./internal/probe"), rie.Options{Name: "probe"})
	opts := Options{Functions: map[string]string{"probe": fn.URL()}}
	ctx := b.Context()
	b.Run("start", func(b *testing.B) {
		for b.Loop() {
			startStop(ctx, b, node, dir, nil)
		}
	})
	b.Run("run", func(b *testing.B) {
		i := mustStart(ctx, b, node, dir)
		defer func() { _ = i.stop() }()
		run(ctx, b, i, opts) // the definition's first validation is the start's
		for b.Loop() {
			run(ctx, b, i, opts)
		}
	})
	b.Run("process per execution", func(b *testing.B) {
		for b.Loop() {
			startStop(ctx, b, node, dir, func(i *Interpreter) { run(ctx, b, i, opts) })
		}
	})
}

func startStop(ctx context.Context, b *testing.B, node, dir string, use func(*Interpreter)) {
	i := mustStart(ctx, b, node, dir)
	if use != nil {
		use(i)
	}
	if err := i.stop(); err != nil {
		b.Fatal(err)
	}
}

func mustStart(ctx context.Context, b *testing.B, node, dir string) *Interpreter {
	i, err := start(ctx, node, dir)
	if err != nil {
		b.Fatal(err)
	}
	return i
}

func run(ctx context.Context, b *testing.B, i *Interpreter, opts Options) {
	ex, err := i.Run(ctx, []byte(oneTask), []byte(`{"key":"bench"}`), opts)
	if err != nil || ex.Status != Succeeded {
		b.Fatalf("run: %v %+v", err, ex)
	}
}
