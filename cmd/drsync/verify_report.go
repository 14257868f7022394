package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/drsync/drsync/shared/replication"
)

// verifyReport is `verify-replication --output json`: one document,
// {"pairs":[{"source", "target", "matched", "missing", "in_flight",
// "different", "extra", "oldest_unreplicated_age_seconds", "rpo_breached",
// "findings", "sample"}]}.
type verifyReport struct {
	Pairs []*replication.Result `json:"pairs"`
}

func (rep verifyReport) write(w io.Writer, output string) error {
	if output == "json" {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for i, r := range rep.Pairs {
		if i > 0 {
			fmt.Fprintln(tw)
		}
		writePair(tw, r)
	}
	return tw.Flush()
}

// writePair renders one pair: verdict, counts, oldest, findings, sample.
func writePair(w io.Writer, r *replication.Result) {
	verdict := "HEALTHY"
	if !r.Healthy() {
		verdict = "UNHEALTHY"
	}
	fmt.Fprintf(w, "%s → %s: %s\n", r.Source, r.Target, verdict)
	fmt.Fprintf(w, "  matched %d, missing %d, in flight %d, different %d, extra %d\n",
		r.Matched, r.Missing, r.InFlight, r.Different, r.Extra)
	if r.OldestUnreplicatedAgeSeconds > 0 {
		breach := "within"
		if r.RPOBreached {
			breach = "beyond"
		}
		fmt.Fprintf(w, "  oldest unreplicated object: %s old, %s the RPO of %s\n",
			time.Duration(r.OldestUnreplicatedAgeSeconds)*time.Second, breach, r.RPO)
	}
	for _, f := range r.Findings {
		fmt.Fprintf(w, "  %-7s\t%s: %s\n", strings.ToUpper(f.Severity), f.Code, f.Message)
	}
	if len(r.Sample) > 0 {
		fmt.Fprintf(w, "  offending objects (up to %d):\n", len(r.Sample))
	}
	for _, o := range r.Sample {
		fmt.Fprintf(w, "    %s\t%s\t%s old\t%s\t%s\n", o.Class, o.Key,
			time.Duration(o.AgeSeconds)*time.Second, o.ReplicationStatus, o.Detail)
	}
}
