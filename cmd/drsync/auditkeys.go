package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/drsync/drsync/shared/auditlog"
	"github.com/drsync/drsync/shared/resource"
	"github.com/drsync/drsync/shared/resource/kinds"
)

// auditKeysReport is what `drsync audit-keys` prints: the counts over all
// files and the keys an incremental sync would reconcile.
type auditKeysReport struct {
	Records   int `json:"records"`
	Relevant  int `json:"relevant"`
	Ignored   int `json:"ignored"`
	Malformed int `json:"malformed"`
	// Unresolved counts the relevant records whose object's kind or key the
	// record does not tell (a workspace node of unknown type, a create
	// without its new id): a full sync catches those.
	Unresolved int        `json:"unresolved"`
	Keys       []keyCount `json:"keys"`
}

// keyCount is one key and the number of records naming it.
type keyCount struct {
	Kind   string `json:"kind"`
	Key    string `json:"key"`
	Events int    `json:"events"`
}

// newAuditKeysCmd is `drsync audit-keys FILE...`: it reads delivered
// audit-log objects (JSON Lines, plain or gzip; "-" is standard input) and
// prints one JSON document with the record counts and the resource keys the
// records name, sorted by kind then key, each with how many records named it.
// Malformed lines are counted (and noted on stderr), not fatal; a file that
// cannot be read exits 2 (exitUsage) naming the file.
func newAuditKeysCmd(stdout, stderr io.Writer) *cobra.Command {
	opts := auditlog.Options{Events: kinds.AuditEvents()}
	cmd := &cobra.Command{
		Use:   "audit-keys FILE...",
		Short: "Print the resource keys that audit-log files name (what an audit-log sync would reconcile)",
		Long: "audit-keys reads Databricks audit-log objects as delivered to S3 (JSON Lines, plain or gzip;\n" +
			"\"-\" reads standard input) and prints one JSON document: how many records were read, relevant,\n" +
			"ignored and malformed, and the sorted, deduplicated resource keys they name. Records of drsync's\n" +
			"own writes and failed requests are ignored. It reads no workspace and writes nothing.",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageErr("audit-keys needs at least one FILE (\"-\" for standard input)")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return runAuditKeys(cmd.Context(), args, opts, cmd.InOrStdin(), stdout, stderr)
		},
	}
	cmd.Flags().StringVar(&opts.SourceWorkspaceID, "workspace-id", "",
		"source workspace id: records of other workspaces are ignored (default: keep all)")
	return cmd
}

// runAuditKeys scans every file and prints the report. Errors: exitUsage
// naming the file that could not be read (nothing is printed then).
func runAuditKeys(ctx context.Context, files []string, opts auditlog.Options, stdin io.Reader, stdout, stderr io.Writer) error {
	t := &auditTally{events: map[auditlog.Key]int{}, seen: map[string]bool{}}
	for _, name := range files {
		sum, err := t.scan(ctx, name, opts, stdin)
		if err != nil {
			return &exitError{code: exitUsage, err: fmt.Errorf("audit-keys: %s: %w", name, err)}
		}
		if sum.Malformed > 0 {
			fmt.Fprintf(stderr, "drsync: audit-keys: %s: %d malformed line(s) skipped: %s\n",
				name, sum.Malformed, lineList(sum))
		}
		t.sum.Malformed += sum.Malformed
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(auditKeysReport{Records: t.sum.Records, Relevant: t.sum.Relevant, Ignored: t.sum.Ignored,
		Malformed: t.sum.Malformed, Unresolved: t.unresolved, Keys: sortedKeys(t.events)})
}

// auditTally counts records across files once each: Databricks rewrites a
// delivered object with more lines later, so the same record (same
// requestId and content) arrives in two objects.
type auditTally struct {
	sum        auditlog.Summary
	unresolved int
	events     map[auditlog.Key]int
	seen       map[string]bool // record ids
}

// scan scans one file ("-" = stdin): each record not seen before is
// counted, and each distinct key it names whose kind is known; a record
// naming only a path of unknown kind counts as unresolved.
func (t *auditTally) scan(ctx context.Context, name string, opts auditlog.Options, stdin io.Reader) (auditlog.Summary, error) {
	r := stdin
	if name != "-" {
		f, err := os.Open(name)
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the caller names the file already
		}
		if err != nil {
			return auditlog.Summary{}, err
		}
		defer func() { _ = f.Close() }() // read-only: nothing to lose on close
		r = f
	}
	return auditlog.Scan(ctx, r, opts, func(e auditlog.Entry) error {
		id := e.Record.ID()
		if t.seen[id] {
			return nil
		}
		t.seen[id] = true
		t.sum.Add(e.Class)
		unknown := e.Class == auditlog.Unresolved
		for i, k := range e.Keys {
			switch {
			case k.Kind == resource.KindPath:
				unknown = true
			case !slices.Contains(e.Keys[:i], k):
				t.events[k]++
			}
		}
		if unknown {
			t.unresolved++
		}
		return nil
	})
}

// sortedKeys lists the counted keys by kind, then key; never nil, so an
// empty result prints as [].
func sortedKeys(events map[auditlog.Key]int) []keyCount {
	out := make([]keyCount, 0, len(events))
	for k, n := range events {
		out = append(out, keyCount{Kind: k.Kind, Key: k.Key, Events: n})
	}
	slices.SortFunc(out, func(a, b keyCount) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Key, b.Key))
	})
	return out
}

// lineList names the malformed lines a Summary kept ("line 2, 6, …").
func lineList(sum auditlog.Summary) string {
	s := make([]string, len(sum.MalformedLines))
	for i, n := range sum.MalformedLines {
		s[i] = strconv.Itoa(n)
	}
	if sum.Malformed > len(sum.MalformedLines) {
		s = append(s, "…")
	}
	return "line " + strings.Join(s, ", ")
}
