package main

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/drsync/drsync/shared/config"
)

// The replcheck function verifies S3 cross-region replication for the
// bucket pairs of the pair's sync config (shared/replication). It reads S3
// and writes the ledger; its schedule follows the RPO.

// replicationOf returns the replication settings of p's sync config; the
// defaults (no bucket pairs) when there is none or it does not load, which
// validate reports on its own.
func replicationOf(p *pairProps) config.Replication {
	return p.syncConfig().Replication
}

// replicationRate is how often replcheck runs: every RPO, so a breach shows
// within two RPOs, but not more often than every 5 minutes nor less often
// than hourly.
func replicationRate(rpo time.Duration) time.Duration {
	return min(max(rpo, 5*time.Minute), time.Hour).Truncate(time.Minute)
}

// replcheckSpec is the replcheck function: one run at a time (a check in
// progress continues from its ledger checkpoint), stopping a minute before
// the next tick.
func replcheckSpec(p *pairProps) functionSpec {
	rate := replicationRate(replicationOf(p).RPO.Duration)
	return functionSpec{
		Name:         "replcheck",
		Description:  "drsync " + p.Pair + ": verifies S3 cross-region replication of the bucket pairs",
		MemoryMB:     512,
		Timeout:      syncTimeout(rate),
		Singleton:    true,
		AsyncRetries: 1,
		MaxEventAge:  rate,
		Trigger:      scheduleTrigger{rate: rate, what: "S3 replication check"},
		Needs:        needLedger | needReplication,
	}
}

// s3Locations are the bucket pairs' locations, parsed from the config's
// s3://bucket/prefix strings (already validated): sources, targets, and the
// inventory report folders.
type s3Location struct{ bucket, prefix string }

func parseS3(url string) s3Location {
	bucket, prefix, _ := strings.Cut(strings.TrimPrefix(url, "s3://"), "/")
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/" // a prefix is a folder, as the checker reads it
	}
	return s3Location{bucket: bucket, prefix: prefix}
}

func (l s3Location) objects() string {
	return "arn:" + *awscdk.Aws_PARTITION() + ":s3:::" + l.bucket + "/" + l.prefix + "*"
}

func (l s3Location) bucketARN() string { return "arn:" + *awscdk.Aws_PARTITION() + ":s3:::" + l.bucket }

// replicationLocations lists every location the check reads, in config
// order, and the source buckets (whose configuration it reads).
func replicationLocations(r config.Replication) (all, sources []s3Location) {
	for _, bp := range r.BucketPairs {
		src := parseS3(bp.Source)
		all = append(all, src, parseS3(bp.Target))
		sources = append(sources, src)
		if bp.Inventory != "" {
			all = append(all, parseS3(bp.Inventory))
		}
	}
	return all, sources
}

// replicationStatements allow exactly what a check reads: listing each
// location's prefix (ListBucket conditioned on s3:prefix), HeadObject and
// inventory reports (GetObject) under it, every bucket's location and
// versioning, and the source buckets' replication and default encryption.
// Nothing is writable.
func (s *pairStack) replicationStatements() []awsiam.PolicyStatement {
	all, sources := replicationLocations(replicationOf(s.props))
	if len(all) == 0 {
		return nil
	}
	var out []awsiam.PolicyStatement
	for i, l := range all {
		out = append(out, listStatement(fmt.Sprintf("ReplicationList%d", i), l))
	}
	out = append(out, awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("ReplicationObjects"),
		Actions:   jsii.Strings("s3:GetObject"),
		Resources: jsii.Strings(uniq(all, s3Location.objects)...),
	}), awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("ReplicationBuckets"),
		Actions:   jsii.Strings("s3:GetBucketLocation", "s3:GetBucketVersioning"),
		Resources: jsii.Strings(uniq(all, s3Location.bucketARN)...),
	}), awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("ReplicationConfiguration"),
		Actions:   jsii.Strings("s3:GetEncryptionConfiguration", "s3:GetReplicationConfiguration"),
		Resources: jsii.Strings(uniq(sources, s3Location.bucketARN)...),
	}))
	return out
}

// listStatement allows listing l's prefix and below; a whole-bucket
// location lists the bucket.
func listStatement(sid string, l s3Location) awsiam.PolicyStatement {
	props := &awsiam.PolicyStatementProps{
		Sid:       jsii.String(sid),
		Actions:   jsii.Strings("s3:ListBucket"),
		Resources: jsii.Strings(l.bucketARN()),
	}
	if l.prefix != "" {
		props.Conditions = &map[string]any{"StringLike": map[string]any{"s3:prefix": []string{l.prefix, l.prefix + "*"}}}
	}
	return awsiam.NewPolicyStatement(props)
}

// uniq maps the locations with f, sorted and deduplicated.
func uniq(ls []s3Location, f func(s3Location) string) []string {
	var out []string
	for _, l := range ls {
		out = append(out, f(l))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// reasonReplicationObjects accepts the object wildcards of the check's role.
const reasonReplicationObjects = "The replication check reads objects it only learns by listing (HeadObject for their " +
	"replication status, inventory report files); the grant is s3:GetObject alone, limited to the configured " +
	"bucket pairs' prefixes and inventory folders."

// addReplicationChecks alarms on the replication checks — an RPO breach,
// any unhealthy bucket pair, and no finished check for staleAfter — and
// accepts the role's object wildcards. Without bucket pairs there is
// nothing to alarm on.
func (s *pairStack) addReplicationChecks() {
	r := replicationOf(s.props)
	i := slices.IndexFunc(s.functions, func(d *deployedFunction) bool { return d.spec.Needs&needReplication != 0 })
	if i < 0 || len(r.BucketPairs) == 0 {
		return
	}
	d, p := s.functions[i], s.props
	all, _ := replicationLocations(r)
	var sups []*cdknag.NagPackSuppression
	for _, res := range uniq(all, s3Location.objects) {
		sups = append(sups, suppression("AwsSolutions-IAM5", reasonReplicationObjects, "Resource::"+strings.Replace(res, *awscdk.Aws_PARTITION(), "<AWS::Partition>", 1)))
	}
	cdknag.NagSuppressions_AddResourceSuppressions(d.role, &sups, jsii.Bool(true))
	s.alerts.alarm(d.scope, "RPOBreached", anyOf(pairMetric(p, config.MetricReplicationRPOBreached, "Maximum"),
		"An object of pair "+p.Pair+"'s replicated buckets is missing from DR for longer than the RPO. The replcheck logs and `drsync status` name it."))
	s.alerts.alarm(d.scope, "Unhealthy", anyOf(pairMetric(p, config.MetricReplicationUnhealthy, "Maximum"),
		"A replication check of pair "+p.Pair+" found an error: versioning off, no rule for the prefix, FAILED objects, or a check that could not run."))
	stale := replicationStaleAfter(p.StaleAfter.Duration, replicationRate(r.RPO.Duration))
	periods := jsii.Number(float64(stale / alarmPeriod))
	s.alerts.alarm(d.scope, "Stale", &awscloudwatch.AlarmProps{
		Metric:             pairMetric(p, config.MetricReplicationChecked, "Sum"),
		Threshold:          jsii.Number(1),
		ComparisonOperator: awscloudwatch.ComparisonOperator_LESS_THAN_THRESHOLD,
		EvaluationPeriods:  periods,
		DatapointsToAlarm:  periods,
		TreatMissingData:   awscloudwatch.TreatMissingData_BREACHING,
		AlarmDescription: jsii.String(fmt.Sprintf(
			"No replication check of pair %s finished for %s: nobody is verifying that the data reaches DR.", p.Pair, short(stale))),
	})
}

// replicationStaleAfter is the pair's staleness limit, at least two check
// intervals, in whole alarm periods, within CloudWatch's one day.
func replicationStaleAfter(staleAfter, rate time.Duration) time.Duration {
	d := max(staleAfter, 2*rate)
	d = (d + alarmPeriod - 1) / alarmPeriod * alarmPeriod
	return min(d, maxStaleAfter)
}

// replicationRow is the dashboard row of the replication checks, empty
// without bucket pairs.
func (s *pairStack) replicationRow() *[]awscloudwatch.IWidget {
	if len(replicationOf(s.props).BucketPairs) == 0 {
		return &[]awscloudwatch.IWidget{}
	}
	p := s.props
	return &[]awscloudwatch.IWidget{
		graph("Replication: objects not in DR", 8,
			pairMetric(p, config.MetricReplicationMissing, "Maximum"), pairMetric(p, config.MetricReplicationInFlight, "Maximum")),
		graph("Replication: oldest unreplicated object (s)", 8, pairMetric(p, config.MetricReplicationOldestAge, "Maximum")),
		graph("Replication: checks, breaches, unhealthy", 8,
			pairMetric(p, config.MetricReplicationChecked, "Sum"), pairMetric(p, config.MetricReplicationRPOBreached, "Maximum"),
			pairMetric(p, config.MetricReplicationUnhealthy, "Maximum")),
	}
}
