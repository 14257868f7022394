// Package handler holds the handlers of the Lambda functions that sync
// workspaces (sync, auditlog): one file per function, each a typed
// func(ctx, In) (Out, error) that decodes its event, cuts the invocation's
// deadline by a margin, calls the engine and returns a summary. They are
// methods of Deps, which holds everything a function builds once per cold
// start (Load), so main.go only wires and the handlers are tested with the
// payloads in events/ through lambda.NewHandler(fn).Invoke. What every
// function shares is package function; replcheck, which talks to AWS alone,
// has its handler in handler/replcheck, away from the Databricks SDK this
// package links.
package handler

import (
	"context"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/drsync/drsync/shared/awsconn"
	"github.com/drsync/drsync/shared/config"
	"github.com/drsync/drsync/shared/engine"
	"github.com/drsync/drsync/shared/function"
	"github.com/drsync/drsync/shared/resource"
)

// EnvSourceWorkspaceID optionally names the source workspace's id: audit-log
// objects delivered under another workspaceId= partition, and records of
// another workspace, are then ignored.
const EnvSourceWorkspaceID = config.EnvSourceWorkspaceID

// DefaultProcessedTTL is how long a processed audit-log record stays marked:
// longer than Databricks keeps rewriting a delivered object.
const DefaultProcessedTTL = 30 * 24 * time.Hour

// Deps is what a sync or auditlog function builds once per cold start. Load
// builds it from the environment; tests may fill it directly.
type Deps struct {
	// Core: the function's name, pair config, ledger, logger, metrics and
	// clock.
	function.Core
	Source resource.Workspace
	Target resource.Workspace
	// Objects reads delivered audit-log objects (auditlog only; the CLI's
	// reads local files, AuditlogObject with an empty bucket).
	Objects ObjectReader

	// SourceWorkspaceID, when set, makes other workspaces' audit logs foreign.
	SourceWorkspaceID string
	// ProcessedTTL: 0 means DefaultProcessedTTL.
	ProcessedTTL time.Duration
	// Reload reads the workspaces' credentials again and builds new clients
	// (Load sets it): a run whose credentials were refused (a rotated
	// secret) tries once more with them instead of failing until the
	// container is recycled. nil: no second try.
	Reload func(ctx context.Context) (src, tgt resource.Workspace, err error)
}

// ObjectReader reads whole S3 objects (the auditlog function's deliveries).
type ObjectReader interface {
	// Open starts reading s3://bucket/key. Errors: awsconn.ErrNoSuchKey
	// (wrapped) when it does not exist.
	Open(ctx context.Context, bucket, key string) (io.ReadCloser, error)
}

var _ ObjectReader = (*awsconn.S3Objects)(nil)

// Load builds the sync function's Deps from the environment (the variables
// function.ReadEnv reads), the pair config checked with engine.CheckConfig,
// and both workspaces' credentials secrets. It reads both secrets (the only
// network calls) and builds the AWS and Databricks clients; no secret value
// reaches the environment or a log. Errors name the variable or config field
// at fault: a missing or invalid variable, a config that does not load, a
// secret that cannot be read or does not hold one kind of credential, a
// client that cannot be built.
func Load(ctx context.Context, s function.Setup) (*Deps, error) {
	d, _, err := load(ctx, s)
	return d, err
}

// LoadAuditlog is Load for the auditlog function: with the reader of
// delivered audit-log objects, which the sync function, reading none, does
// without, so its bootstrap carries no S3 reader.
func LoadAuditlog(ctx context.Context, s function.Setup) (*Deps, error) {
	d, awsCfg, err := load(ctx, s)
	if err != nil {
		return nil, err
	}
	d.Objects = awsconn.NewS3Objects(awsCfg)
	return d, nil
}

func load(ctx context.Context, s function.Setup) (*Deps, aws.Config, error) {
	l, err := function.Load(s, engine.CheckConfig)
	if err != nil {
		return nil, aws.Config{}, err
	}
	sm := awsconn.NewSecrets(l.AWS)
	src, tgt, err := workspaces(ctx, l.Config, l.Env, sm, s.Version)
	if err != nil {
		return nil, aws.Config{}, err
	}
	d := &Deps{
		Core: l.Core, Source: src, Target: tgt, SourceWorkspaceID: l.Env.WorkspaceID,
		Reload: func(ctx context.Context) (resource.Workspace, resource.Workspace, error) {
			return workspaces(ctx, l.Config, l.Env, sm, s.Version)
		},
	}
	return d, l.AWS, nil
}
