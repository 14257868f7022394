// Command drsync plans, dry-runs and applies a sync of one Databricks workspace
// into its warm DR copy, and reports what the ledger knows. It takes the
// original Databricks Sync Tool's form:
//
//	drsync plan --source URL --target URL [--resources LIST] [--ledger PATH] [--output text|json]
//	drsync sync --source URL --target URL [--resources LIST] [--dry-run] [--allow-mass-delete] ...
//	drsync --source URL --target URL --resources notebooks,jobs --dry-run   # same as sync
//	drsync status --ledger PATH
//	drsync sync --from-audit-log FILE...        # the auditlog function's targeted sync
//	drsync sync --reverse ...                    # DR → primary, while failed over
//	drsync readiness [--direction failover|failback] ...
//	drsync failover|failback [--dry-run] [--force] [--start-clusters] [--topic ARN] ...
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
