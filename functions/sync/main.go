// Command sync is the sync Lambda function: on each EventBridge schedule tick
// it reconciles the whole pair until its deadline (shared/handler.Deps.Sync).
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
	deps, err := handler.Load(context.Background(), function.Setup{Function: "sync", Version: version})
	if err != nil {
		// Lambda reports the failed init and retries it on the next event.
		slog.New(slog.NewJSONHandler(os.Stderr, nil)).Error("init failed", "function", "sync", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(deps.Sync)
}
