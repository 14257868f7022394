package engine

import (
	"context"

	"golang.org/x/time/rate"
)

// Rates is the client-side budget per API family, in requests per second, kept
// below the service's published limits (workspace export 60/s, import 30/s,
// jobs create 20/s) so one run never gets throttled into its retry budget.
// Zero means no budget for that family beyond the SDK's own limit.
type Rates struct {
	Export     float64 // notebook/file exports
	Import     float64 // notebook/file imports
	JobsCreate float64
}

// family names the budget a (kind, operation) draws from: a notebook import and
// a file import share one bucket, as they share one limit on the service.
var family = map[[2]string]string{
	{"notebook", "read"}: "export", {"file", "read"}: "export",
	{"notebook", "create"}: "import", {"notebook", "update"}: "import",
	{"file", "create"}: "import", {"file", "update"}: "import",
	{"job", "create"}: "jobs-create",
}

// pacer waits (cancellably) for the budget of (kind, op).
type pacer = func(ctx context.Context, kind, op string) error

// pacer returns the run's pacer: one set of buckets for snapshot and apply.
func (r Rates) pacer() pacer {
	buckets := map[string]*rate.Limiter{}
	for name, rps := range map[string]float64{"export": r.Export, "import": r.Import, "jobs-create": r.JobsCreate} {
		if rps > 0 {
			buckets[name] = rate.NewLimiter(rate.Limit(rps), max(1, int(rps)))
		}
	}
	return func(ctx context.Context, kind, op string) error {
		if l := buckets[family[[2]string{kind, op}]]; l != nil {
			return l.Wait(ctx)
		}
		return nil
	}
}
