package function

import (
	"cmp"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/drsync/drsync/shared/config"
)

// envFunctionTimeout is the function timeout in seconds where the runtime
// tells it (the RIE does; AWS does not): it caps the SDK's retry budget.
const envFunctionTimeout = "AWS_LAMBDA_FUNCTION_TIMEOUT"

// Env is what a function reads from the environment.
type Env struct {
	ConfigPath, Pair, Table string
	// SourceARN and TargetARN name the workspaces' credentials secrets
	// ("" = the config's auth blocks); only functions that talk to
	// Databricks read them.
	SourceARN, TargetARN string
	// WorkspaceID is the source workspace's id, or "".
	WorkspaceID string
	Level       slog.Level
	// FunctionTimeout is the function's timeout; 0 when unknown.
	FunctionTimeout time.Duration
	// Getenv is what the variables were read with.
	Getenv func(string) string
}

// ReadEnv reads and checks the variables:
//
//	DRSYNC_CONFIG                 path of the pair config file (required; the
//	                              stack's config layer puts it under /opt)
//	DRSYNC_PAIR                   optional; must equal the config's "pair"
//	DRSYNC_LEDGER_TABLE           the DynamoDB ledger table (required)
//	DRSYNC_SOURCE_SECRET_ARN      Secrets Manager secret of each side, JSON
//	DRSYNC_TARGET_SECRET_ARN      {"token": …} or {"client_id": …, "client_secret": …};
//	                              default: the config's <side>.auth.secret_arn
//	DRSYNC_SOURCE_WORKSPACE_ID    optional, numeric (config.EnvSourceWorkspaceID)
//	DRSYNC_AWS_ENDPOINT           optional AWS endpoint (moto, local runs)
//	DRSYNC_LOG_LEVEL              debug, info (default), warn or error
//	AWS_LAMBDA_FUNCTION_TIMEOUT   optional, whole seconds
//
// Errors: every missing or invalid one, joined, each naming its variable.
func ReadEnv(getenv func(string) string) (Env, error) {
	e := Env{
		ConfigPath: getenv(config.EnvConfig), Pair: getenv(config.EnvPair), Table: getenv(config.EnvLedgerTable),
		SourceARN: getenv(config.EnvSourceSecretARN), TargetARN: getenv(config.EnvTargetSecretARN),
		WorkspaceID: getenv(config.EnvSourceWorkspaceID), Getenv: getenv,
	}
	var errs []error
	for _, v := range [][2]string{{config.EnvConfig, e.ConfigPath}, {config.EnvLedgerTable, e.Table}} {
		if v[1] == "" {
			errs = append(errs, fmt.Errorf("%s is not set; set it", v[0]))
		}
	}
	if err := e.Level.UnmarshalText([]byte(cmp.Or(getenv(config.EnvLogLevel), "info"))); err != nil {
		errs = append(errs, fmt.Errorf("%s: want debug, info, warn or error, got %q", config.EnvLogLevel, getenv(config.EnvLogLevel)))
	}
	if v := getenv(envFunctionTimeout); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			errs = append(errs, fmt.Errorf("%s: want whole seconds, got %q", envFunctionTimeout, v))
		}
		e.FunctionTimeout = time.Duration(n) * time.Second
	}
	if e.WorkspaceID != "" {
		if _, err := strconv.ParseUint(e.WorkspaceID, 10, 64); err != nil {
			errs = append(errs, fmt.Errorf("%s: want a numeric workspace id, got %q", config.EnvSourceWorkspaceID, e.WorkspaceID))
		}
	}
	return e, errors.Join(errs...)
}
