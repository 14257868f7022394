package config

// Product is the User-Agent product name of drsync's requests
// ("drsync/<version>"): how the audit-log reader tells drsync's own writes.
const Product = "drsync"

// Environment variables drsync reads. The CLI and the Lambda functions use the
// same names, so one runbook line works for both.
const (
	// EnvSourceToken and EnvTargetToken hold a personal access token per side.
	EnvSourceToken = "DRSYNC_SOURCE_TOKEN"
	EnvTargetToken = "DRSYNC_TARGET_TOKEN"
	// EnvSourceClientID … EnvTargetClientSecret hold an OAuth M2M service
	// principal per side.
	EnvSourceClientID     = "DRSYNC_SOURCE_CLIENT_ID"
	EnvSourceClientSecret = "DRSYNC_SOURCE_CLIENT_SECRET"
	EnvTargetClientID     = "DRSYNC_TARGET_CLIENT_ID"
	EnvTargetClientSecret = "DRSYNC_TARGET_CLIENT_SECRET"
	// EnvConfig is the path of the pair config file.
	EnvConfig = "DRSYNC_CONFIG"
	// EnvPair selects the pair name (and must match the config's "pair").
	EnvPair = "DRSYNC_PAIR"
	// EnvLedgerTable is the DynamoDB ledger table of the Lambda functions.
	EnvLedgerTable = "DRSYNC_LEDGER_TABLE"
	// EnvSourceSecretARN and EnvTargetSecretARN name the Secrets Manager
	// secrets holding each side's credentials in Lambda.
	EnvSourceSecretARN = "DRSYNC_SOURCE_SECRET_ARN"
	EnvTargetSecretARN = "DRSYNC_TARGET_SECRET_ARN"
	// EnvLogLevel is the slog level: debug, info, warn or error.
	EnvLogLevel = "DRSYNC_LOG_LEVEL"
	// EnvSourceWorkspaceID optionally names the source workspace's id, so the
	// audit-log function ignores deliveries of other workspaces.
	EnvSourceWorkspaceID = "DRSYNC_SOURCE_WORKSPACE_ID"
	// EnvTopicARN is the SNS topic the failover function notifies the
	// runbook's outcome to.
	EnvTopicARN = "DRSYNC_TOPIC_ARN"
)
