// Package metrics writes CloudWatch metrics as Embedded Metric Format (EMF)
// log lines. Lambda ships stdout to CloudWatch Logs, which extracts the metrics:
// no CloudWatch API call, no extra latency, nothing to mock in tests.
package metrics

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"sync"
	"time"

	"github.com/drsync/drsync/shared/config"
)

// Metric names beyond the ones the stack alarms on (shared/config).
const (
	RunDuration    = "RunDuration"
	ActionsCreated = "ActionsCreated"
	ActionsUpdated = "ActionsUpdated"
	ActionsDeleted = "ActionsDeleted"
	ActionsSkipped = "ActionsSkipped"
	// ActionsRemaining counts actions a deadline left for the next run.
	ActionsRemaining = "ActionsRemaining"
	// ActionsFailedTerminal counts the failed actions a retry cannot fix
	// (they wait for their source to change): what needs a person.
	ActionsFailedTerminal = "ActionsFailedTerminal"
	// ActionsBlocked counts the objects the target cannot take (a node type,
	// an instance profile, a warehouse it lacks): skipped, with the causes.
	ActionsBlocked   = "ActionsBlocked"
	RecordsProcessed = "RecordsProcessed"
	RecordsIgnored   = "RecordsIgnored"
	RecordsMalformed = "RecordsMalformed"
)

// Units.
const (
	Count        = "Count"
	Milliseconds = "Milliseconds"
	Seconds      = "Seconds"
)

// Value is one metric value and its unit.
type Value struct {
	V    float64
	Unit string
}

// Emitter writes EMF lines for one pair (the only dimension, as the stack's
// alarms expect).
type Emitter struct {
	mu   sync.Mutex
	w    io.Writer
	pair string
	now  func() time.Time
}

// New returns an Emitter writing to w (os.Stdout in Lambda).
func New(w io.Writer, pair string) *Emitter {
	return &Emitter{w: w, pair: pair, now: time.Now}
}

// Emit writes one EMF document with the given metrics and extra properties
// (searchable in Logs Insights, not metrics: run id, function name).
func (e *Emitter) Emit(values map[string]Value, props map[string]any) error {
	names := make([]string, 0, len(values))
	for n := range values {
		names = append(names, n)
	}
	sort.Strings(names)
	defs := make([]map[string]string, 0, len(names))
	doc := map[string]any{}
	for k, v := range props {
		doc[k] = v
	}
	for _, n := range names {
		defs = append(defs, map[string]string{"Name": n, "Unit": values[n].Unit})
		doc[n] = values[n].V
	}
	doc[config.MetricDimensionPair] = e.pair
	doc["_aws"] = map[string]any{
		"Timestamp": e.now().UnixMilli(),
		"CloudWatchMetrics": []any{map[string]any{
			"Namespace":  config.MetricNamespace,
			"Dimensions": [][]string{{config.MetricDimensionPair}},
			"Metrics":    defs,
		}},
	}
	line, err := json.Marshal(doc)
	if err != nil {
		return fmt.Errorf("encode metrics: %w", err)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	_, err = e.w.Write(append(line, '\n'))
	return err
}
