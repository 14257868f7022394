package engine

import (
	"context"

	"golang.org/x/time/rate"

	"github.com/drsync/drsync/shared/resource"
)

// Rates is the client-side budget per API rate family (resource.Rate*), in
// requests per second, kept below the service's published limits (workspace
// export 60/s, import 30/s, jobs create 20/s) so one run never gets
// throttled into its retry budget. A family without a budget (or 0) is paced
// by the SDK's own limit only.
type Rates map[string]float64

// pacer waits (cancellably) for the budget of (kind, op).
type pacer = func(ctx context.Context, kind, op string) error

// pacer returns the run's pacer: one set of buckets for snapshot and apply,
// each kind's operations drawing from the families its Info names (a notebook
// import and a file import share one bucket, as they share one limit).
func (r Rates) pacer(kinds []resource.Kind) pacer {
	buckets := map[string]*rate.Limiter{}
	for family, rps := range r {
		if rps > 0 {
			buckets[family] = rate.NewLimiter(rate.Limit(rps), max(1, int(rps)))
		}
	}
	families := map[string]map[string]string{}
	for _, k := range kinds {
		families[k.Name()] = k.Info().Rates
	}
	return func(ctx context.Context, kind, op string) error {
		if l := buckets[families[kind][op]]; l != nil {
			return l.Wait(ctx)
		}
		return nil
	}
}
