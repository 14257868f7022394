package kinds

import (
	"context"
	"fmt"
	"regexp"

	"golang.org/x/sync/errgroup"

	"github.com/databricks/databricks-sdk-go/service/jobs"

	"github.com/drsync/drsync/shared/connect"
	"github.com/drsync/drsync/shared/resource"
)

// A job's identity (reference §3.1): a DR job must never run as drsync's
// own identity, which is what the service picks when jobs/create or
// jobs/reset carries no run_as (and reset without run_as keeps the old
// one). So every job document carries run_as: the one the job sets, or
// else the identity the job runs as (the read-only run_as_user_name).
// A source job whose run_as is removed then reads back with run_as equal
// to run_as_user_name (its creator or owner), as its DR copy does after
// one update: no change every run.

// jobRunAsGets bounds the jobs/get calls a listing makes for run_as.
const jobRunAsGets = 8

// uuidRE matches a service principal's application id.
var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// jobSetRunAs gives doc a run_as when it has none, from runAsUserName: an
// application id (a UUID) is a service principal, anything else a user.
// An empty runAsUserName (the creator was deleted) leaves doc alone.
func jobSetRunAs(doc resource.Doc, runAsUserName string) {
	if doc == nil || doc["run_as"] != nil || runAsUserName == "" {
		return
	}
	field := "user_name"
	if uuidRE.MatchString(runAsUserName) {
		field = "service_principal_name"
	}
	doc["run_as"] = map[string]any{field: runAsUserName}
}

// jobFillRunAs gives every listed job still without run_as the identity it
// runs as, from jobs/get's run_as_user_name. List first fills in the
// listing's creator_user_name, which is run_as_user_name for a job that
// sets no run_as (the emulator, like jobs/get, shows a set run_as in the
// listing), so a no-change run makes no call here; only a job whose
// creator is gone from the workspace (the listing omits the creator) costs
// one jobs/get, at most jobRunAsGets at a time. A job gone between list and
// get is left without run_as.
//
// Known gap: the service may blank a set run_as in jobs/list (reference
// §3.1); against such a listing a job whose run_as differs from its creator
// (or whose IS_OWNER is not its creator) would read as run by its creator.
// Closing it needs a jobs/get per job whose hash the ledger cannot vouch for.
func jobFillRunAs(ctx context.Context, w *connect.Client, objs []resource.Object) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(jobRunAsGets)
	for i := range objs {
		o := &objs[i]
		if o.Doc["run_as"] != nil {
			continue
		}
		g.Go(func() error {
			jobID, err := parseJobID(o.ID)
			if err != nil {
				return err
			}
			j, err := w.Jobs.Get(gctx, jobs.GetJobRequest{JobId: jobID})
			if ok, err := found(err); !ok {
				if err != nil {
					return fmt.Errorf("%s: read run_as_user_name: %w", o.ID, err)
				}
				return nil
			}
			jobSetRunAs(o.Doc, j.RunAsUserName)
			return nil
		})
	}
	return g.Wait()
}
