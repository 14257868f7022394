// Command replcheck is the replcheck Lambda function: on each EventBridge
// schedule tick it verifies S3 cross-region replication for the pair's
// bucket pairs (shared/handler/replcheck.Deps.Check). It links no
// Databricks SDK (functions/deps_test.go). Build it with -tags lambda.norpc
// (make build-functions).
package main

import (
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/drsync/drsync/shared/function"
	"github.com/drsync/drsync/shared/handler/replcheck"
)

func main() {
	deps, err := replcheck.Load(function.Setup{Function: "replcheck"})
	if err != nil {
		// Lambda reports the failed init and retries it on the next event.
		slog.New(slog.NewJSONHandler(os.Stderr, nil)).Error("init failed", "function", "replcheck", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(deps.Check)
}
