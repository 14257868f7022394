// Command auditlog is the auditlog Lambda function: for each audit-log object
// Databricks delivers to S3 it syncs the objects the new records name
// (shared/handler.Deps.Auditlog). Build it with -tags lambda.norpc,grpcnotrace (make build-functions).
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/drsync/drsync/shared/function"
	"github.com/drsync/drsync/shared/handler"
)

// version is drsync's version, set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	deps, err := handler.LoadAuditlog(context.Background(), function.Setup{Function: "auditlog", Version: version})
	if err != nil {
		// Lambda reports the failed init and retries it on the next event.
		slog.New(slog.NewJSONHandler(os.Stderr, nil)).Error("init failed", "function", "auditlog", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(deps.Auditlog)
}
