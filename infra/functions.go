package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// needs are what a function may touch. Each one adds exactly one grant and
// its environment variables, so a function gets nothing it did not ask for.
type needs uint8

const (
	// needLedger: read and write items of the ledger table.
	needLedger needs = 1 << iota
	// needSecrets: read both workspaces' credential secrets.
	needSecrets
	// needAuditLog: read objects under the audit-log delivery prefix.
	needAuditLog
	// needReplication: read the bucket pairs' configuration and listings.
	needReplication
	// needTopic: publish to the pair's topic (the runbook's outcome).
	needTopic
)

// functionSpec is one Lambda function, built from functions/<Name> into
// <asset root>/<Name>/bootstrap by `make build-functions`.
type functionSpec struct {
	Name        string
	Description string
	MemoryMB    float64
	Timeout     time.Duration
	// Singleton reserves a concurrency of 1: runs of one pair must not
	// overlap, and a second copy would only contend for the ledger lease.
	Singleton bool
	// AsyncRetries and MaxEventAge bound Lambda's own retries of a failed or
	// throttled asynchronous invocation before the event goes to the DLQ.
	AsyncRetries float64
	MaxEventAge  time.Duration
	// Trigger invokes the function asynchronously; nil means only synchronous
	// callers (a state machine), which see the error themselves.
	Trigger trigger
	Needs   needs
}

// functionSpecs returns the pair's functions. Adding one is an entry here
// plus its folder under functions/.
func functionSpecs(p *pairProps) []functionSpec {
	rate := p.SyncRate.Duration
	return []functionSpec{{
		Name:         "sync",
		Description:  "drsync " + p.Pair + ": full reconcile of the pair on a schedule",
		MemoryMB:     1024,
		Timeout:      syncTimeout(rate),
		Singleton:    true,
		AsyncRetries: 1,
		// A tick older than the next tick is worth nothing.
		MaxEventAge: rate,
		Trigger:     scheduleTrigger{rate: rate},
		Needs:       needLedger | needSecrets,
	}, {
		Name:         "auditlog",
		Description:  "drsync " + p.Pair + ": targeted sync for each delivered audit-log object",
		MemoryMB:     512,
		Timeout:      5 * time.Minute,
		Singleton:    true,
		AsyncRetries: 2,
		// Overlapping deliveries wait in Lambda's queue while the one copy
		// runs; six hours rides out a long full sync holding the lease.
		MaxEventAge: 6 * time.Hour,
		Trigger:     objectCreatedTrigger{bucket: p.AuditLog.Bucket, prefix: p.AuditLog.Prefix},
		Needs:       needLedger | needSecrets | needAuditLog,
	}, replcheckSpec(p), failoverSpec(p)}
}

// maxLambdaTimeout is Lambda's hard limit for one invocation.
const maxLambdaTimeout = 15 * time.Minute

// syncTimeout ends a run a minute before the next tick (the function
// checkpoints and the next run continues), within Lambda's limit.
func syncTimeout(rate time.Duration) time.Duration {
	return min(rate, maxLambdaTimeout+time.Minute) - time.Minute
}

// bootstrapDir is the asset folder of a function: it holds only bootstrap.
func bootstrapDir(assetRoot, name string) string { return filepath.Join(assetRoot, name) }

// bootstrapPath is where a function's prebuilt binary must be.
func bootstrapPath(assetRoot, name string) string {
	return filepath.Join(bootstrapDir(assetRoot, name), "bootstrap")
}

// checkAssets reports every function whose bootstrap is missing, so synth
// fails with the fix instead of packaging an empty folder.
// Errors: one per missing or unreadable binary, joined.
func checkAssets(assetRoot string, specs []functionSpec) error {
	var errs []error
	for _, s := range specs {
		path := bootstrapPath(assetRoot, s.Name)
		info, err := os.Stat(path)
		switch {
		case errors.Is(err, os.ErrNotExist):
			errs = append(errs, fmt.Errorf("%s is missing: run `make build-functions` first", path))
		case err != nil:
			errs = append(errs, fmt.Errorf("function %s: %w", s.Name, err))
		case !info.Mode().IsRegular():
			errs = append(errs, fmt.Errorf("%s is not a file", path))
		}
	}
	return errors.Join(errs...)
}
