// Package runbook is drsync's failover and failback: a few plain steps that a
// Step Functions state machine runs one Lambda task at a time, and that the
// CLI runs in a row (drills, or when AWS itself is impaired).
//
//	Readiness → FreezePrimary → FinalSync → Fence → Activate → Verify → Record
//
// A failover makes the DR workspace the active side: it stops the primary's
// schedules (best effort), syncs a last time (best effort), fences every run
// started before it (the pair's epoch moves on), gives the DR copy the state
// the primary had (jobs unpaused exactly where they were, pools with their
// idle instances, clusters started when asked), reads it back and records
// the whole in the ledger. A failback is the same machine the other way: a
// reverse sync brings the primary up to date under the new epoch, then the
// steps run with the roles swapped.
//
// Step names and error types are exported for the stack that builds the
// state machine: it retries on ThrottledError and TransientError and catches
// NotReadyError and FencedError by name, which the Lambda runtime reports
// for errors returned unwrapped.
package runbook

import (
	"encoding/json"
	"fmt"
	"time"
)

// Step names: the state machine's Task states, and what a step reports.
const (
	StepReadiness = "Readiness"
	StepFreeze    = "FreezePrimary"
	StepFinalSync = "FinalSync"
	StepFence     = "Fence"
	StepActivate  = "Activate"
	StepVerify    = "Verify"
	StepRecord    = "Record"
)

// Steps is every step, in order.
var Steps = []string{StepReadiness, StepFreeze, StepFinalSync, StepFence, StepActivate, StepVerify, StepRecord}

// Directions.
const (
	Failover = "failover"
	Failback = "failback"
)

// Input is what starts a run of the runbook (the state machine's input).
type Input struct {
	Direction     string `json:"direction"`
	Force         bool   `json:"force"`
	StartClusters bool   `json:"startClusters"`
	DryRun        bool   `json:"dryRun"`
}

// Validate names what is wrong with in.
func (in Input) Validate() error {
	if in.Direction != Failover && in.Direction != Failback {
		return fmt.Errorf("direction: want %q or %q, got %q", Failover, Failback, in.Direction)
	}
	return nil
}

// State is what the steps pass each other (the state machine passes it from
// task to task): the input, what each step did, and what later steps need.
type State struct {
	Input
	// Execution names this run of the runbook (the lease holder while it
	// stops and fences runs, and the ledger's record id).
	Execution string    `json:"execution"`
	Started   time.Time `json:"started"`
	// Step is the step to run next (the Lambda task's input names it).
	Step   string       `json:"step,omitempty"`
	Steps  []StepReport `json:"steps"`
	Ready  *Readiness   `json:"readiness,omitempty"`
	Frozen []Frozen     `json:"frozen,omitempty"`
	// LeftDown says why the side being left did not answer when the freeze
	// asked; the final sync then does not ask again.
	LeftDown string   `json:"left_down,omitempty"`
	Epoch    int64    `json:"epoch"`
	Diffs    []string `json:"differences,omitempty"`
	Outcome  string   `json:"outcome,omitempty"`
	// Failure is the error a failed step left (the state machine's Catch
	// puts it here); the Record step then records the run as failed.
	Failure *StepError `json:"error,omitempty"`
}

// StepReport is one step as run: how long, how it ended, what it noted.
type StepReport struct {
	Name       string    `json:"name"`
	Started    time.Time `json:"started"`
	DurationMS int64     `json:"duration_ms"`
	Outcome    string    `json:"outcome"` // done, skipped, failed, dry-run
	Notes      []string  `json:"notes,omitempty"`
}

// Step outcomes.
const (
	OutcomeDone    = "done"
	OutcomeSkipped = "skipped"
	OutcomeFailed  = "failed"
	OutcomeDryRun  = "dry-run"
)

// Frozen is what FreezePrimary changed on one object of the side being left
// (or, for a cluster, found running), for Activate and the record.
type Frozen struct {
	Kind  string            `json:"kind"`
	Key   string            `json:"key"`
	Facts map[string]string `json:"facts"`
}

// NotReadyError: the readiness check failed and the input did not force.
type NotReadyError struct{ Reasons []string }

func (e *NotReadyError) Error() string {
	return fmt.Sprintf("the standby is not ready: %v", e.Reasons)
}

// FencedError: the pair's epoch or lease moved under the runbook (another
// failover, a run that would not stop): nothing was switched.
type FencedError struct{ Msg string }

func (e *FencedError) Error() string { return "fenced: " + e.Msg }

// ThrottledError: a service shed load; the state machine retries the step.
type ThrottledError struct{ Msg string }

func (e *ThrottledError) Error() string { return "throttled: " + e.Msg }

// TransientError: a service or network hiccup; the state machine retries.
type TransientError struct{ Msg string }

func (e *TransientError) Error() string { return "transient: " + e.Msg }

// ErrorTypes are the Go type names the Lambda runtime reports for the
// runbook's errors, as the state machine's Retry and Catch name them.
var ErrorTypes = struct{ NotReady, Fenced, Throttled, Transient string }{
	"NotReadyError", "FencedError", "ThrottledError", "TransientError",
}

// Summary renders s for a notification.
func (s *State) Summary() string {
	b, _ := json.MarshalIndent(struct {
		Direction string       `json:"direction"`
		Execution string       `json:"execution"`
		Outcome   string       `json:"outcome"`
		Epoch     int64        `json:"epoch"`
		Steps     []StepReport `json:"steps"`
		Diffs     []string     `json:"differences,omitempty"`
	}{s.Direction, s.Execution, s.Outcome, s.Epoch, s.Steps, s.Diffs}, "", "  ")
	return string(b)
}
