package config

// CloudWatch metrics drsync's functions emit (as embedded metric format log
// lines) and the CDK stack alarms and graphs on. Both sides use these
// constants, so a rename cannot silently break an alarm.
//
// A CloudWatch metric is identified by namespace, name and the exact set of
// dimensions: emit each metric with the single dimension MetricDimensionPair
// (the pair name) and nothing else, or the stack's alarms will not see it.
const (
	// MetricNamespace is the CloudWatch namespace of every drsync metric.
	MetricNamespace = "drsync"
	// MetricDimensionPair is the only dimension; its value is the pair name.
	MetricDimensionPair = "Pair"

	// MetricRunSucceeded is 1 per run that finished (its plan applied, even
	// with some actions failed); the staleness alarm fires when it is absent.
	MetricRunSucceeded = "RunSucceeded"
	// MetricRunFailed is 1 per run that ended in an error.
	MetricRunFailed = "RunFailed"
	// MetricActionsFailed is the number of plan actions that failed in a run.
	MetricActionsFailed = "ActionsFailed"
	// MetricDriftFound is the number of target objects changed by hand that a
	// run found.
	MetricDriftFound = "DriftFound"

	// MetricReplicationChecked is 1 per bucket pair whose replication check
	// finished; the replication staleness alarm fires when it is absent.
	MetricReplicationChecked = "ReplicationChecked"
	// MetricReplicationRPOBreached is 1 for a checked bucket pair with an
	// unreplicated object older than the RPO, else 0.
	MetricReplicationRPOBreached = "ReplicationRPOBreached"
	// MetricReplicationUnhealthy is 1 for a checked bucket pair with the RPO
	// breached or an error finding (versioning off, no rule, FAILED objects).
	MetricReplicationUnhealthy = "ReplicationUnhealthy"
	// MetricReplicationMissing and MetricReplicationInFlight count objects
	// not in DR, older and younger than the RPO.
	MetricReplicationMissing  = "ReplicationMissing"
	MetricReplicationInFlight = "ReplicationInFlight"
	// MetricReplicationOldestAge is the age in seconds of the oldest source
	// object not (or not correctly) in DR; 0 when there is none.
	MetricReplicationOldestAge = "ReplicationOldestUnreplicatedAge"
)
