package runbook

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// Readiness reports, changing nothing, whether the standby of direction is
// ready: what `drsync readiness` prints and the Readiness step checks.
// Errors: a bad direction, the ledger's.
func (d *Deps) Readiness(ctx context.Context, direction string) (*Readiness, error) {
	st, err := d.Begin(Input{Direction: direction}, "readiness")
	if err != nil {
		return nil, err
	}
	return d.readiness(ctx, st)
}

// WriteText writes r for a person: the verdict and its reasons, then the
// age of each kind's copy, the replication checks and what is unresolved.
func (r *Readiness) WriteText(w io.Writer) error {
	verdict := "READY"
	if !r.Ready {
		verdict = "NOT READY"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s (active side %s, epoch %d; standby %s)\n", verdict, r.ActiveSide, r.Epoch, r.Standby)
	for _, why := range r.Reasons {
		fmt.Fprintf(&b, "  - %s\n", why)
	}
	if r.Where != "" {
		fmt.Fprintf(&b, "where: %s\n", r.Where)
	}
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "\nKIND\tLAST SYNC\tAGE\tOK")
	for _, k := range r.Kinds {
		last, age := "never", "-"
		if !k.LastSync.IsZero() {
			last, age = k.LastSync.UTC().Format(time.RFC3339), (time.Duration(k.AgeSeconds) * time.Second).String()
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", k.Kind, last, age, yesNo(k.OK))
	}
	if len(r.Replication) > 0 {
		fmt.Fprintln(tw, "\nBUCKETS\tCHECKED\tLAG\tOK")
		for _, rr := range r.Replication {
			fmt.Fprintf(tw, "%s → %s\t%s ago\t%s\t%s\n", rr.Source, rr.Target,
				time.Duration(rr.CheckAgeSeconds)*time.Second, time.Duration(rr.LagSeconds)*time.Second, yesNo(rr.OK))
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, u := range r.Unresolved {
		fmt.Fprintf(&b, "unresolved: %s %s: %s\n", u.Kind, u.Key, u.Error)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteText writes the run for a person: each step with its outcome and
// duration (the RTO it cost) and notes, the total, and the differences the
// verification found.
func (st *State) WriteText(w io.Writer) error {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "STEP\tOUTCOME\tTOOK\tNOTES\n")
	for _, s := range st.Steps {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", s.Name, s.Outcome, time.Duration(s.DurationMS)*time.Millisecond,
			strings.Join(firstNotes(s.Notes, 3), "; "))
	}
	fmt.Fprintf(tw, "total\t%s\t%s\t\n", st.Outcome, st.Duration())
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, diff := range st.Diffs {
		fmt.Fprintf(&b, "difference: %s\n", diff)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// firstNotes is at most n notes, and how many more there were.
func firstNotes(notes []string, n int) []string {
	if len(notes) <= n {
		return notes
	}
	return append(notes[:n:n], fmt.Sprintf("… %d more", len(notes)-n))
}

func yesNo(ok bool) string {
	if ok {
		return "yes"
	}
	return "NO"
}
