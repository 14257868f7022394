// Command failover is the failover Lambda function: each Task state of the
// runbook's state machine invokes it to run one step of a failover or
// failback (shared/handler.Failover, shared/runbook).
// Build it with -tags lambda.norpc,grpcnotrace (make build-functions).
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
	f, err := handler.LoadFailover(context.Background(), function.Setup{Function: "failover", Version: version})
	if err != nil {
		slog.New(slog.NewJSONHandler(os.Stderr, nil)).Error("init failed", "function", "failover", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(f.Handle)
}
