package main

import (
	"testing"
	"time"

	"github.com/aws/jsii-runtime-go"

	"github.com/drsync/drsync/shared/config"
)

// join is the template's Fn::Join of "arn:", the partition and rest.
func join(rest string) obj {
	return obj{"Fn::Join": []any{"", []any{"arn:", ref("AWS::Partition"), rest}}}
}

// wantReplicationStatements are replcheck's S3 grants for the example
// config's one bucket pair: list each prefix, read objects under it, read
// both buckets' location and versioning and the source's configuration.
func wantReplicationStatements() []any {
	src, dst := ":s3:::example-dev-lakehouse", ":s3:::example-dr-lakehouse"
	prefix := obj{"StringLike": obj{"s3:prefix": []any{"tables/", "tables/*"}}}
	return []any{
		obj{"Sid": "ReplicationList0", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": join(src), "Condition": prefix},
		obj{"Sid": "ReplicationList1", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": join(dst), "Condition": prefix},
		obj{"Sid": "ReplicationObjects", "Effect": "Allow", "Action": "s3:GetObject",
			"Resource": []any{join(src + "/tables/*"), join(dst + "/tables/*")}},
		obj{"Sid": "ReplicationBuckets", "Effect": "Allow", "Action": []any{"s3:GetBucketLocation", "s3:GetBucketVersioning"},
			"Resource": []any{join(src), join(dst)}},
		obj{"Sid": "ReplicationConfiguration", "Effect": "Allow",
			"Action": []any{"s3:GetEncryptionConfiguration", "s3:GetReplicationConfiguration"}, "Resource": join(src)},
	}
}

// replcheck runs on its own schedule, every RPO (15m in the example), with a
// DLQ for ticks EventBridge cannot deliver.
func TestReplicationSchedule(t *testing.T) {
	s := exampleStack(t)
	var fn *deployedFunction
	for _, d := range s.stack.functions {
		if d.spec.Name == "replcheck" {
			fn = d
		}
	}
	if fn == nil {
		t.Fatal("no replcheck function")
	}
	check(t, "replcheck schedule", func() {
		s.tmpl.HasResourceProperties(jsii.String("AWS::Events::Rule"), like(obj{
			"Description":        "drsync: scheduled S3 replication check",
			"ScheduleExpression": "rate(15 minutes)",
			"Targets": []any{like(obj{
				"Arn":              getAtt(logicalID(fn.fn), "Arn"),
				"DeadLetterConfig": obj{"Arn": getAtt(logicalID(fn.deadLtrs), "Arn")},
			})},
		}))
	})
	if p := s.props(t, logicalID(fn.fn)); p["Timeout"] != 840.0 || p["ReservedConcurrentExecutions"] != 1.0 {
		t.Errorf("replcheck timeout %v, concurrency %v; want 840 s, 1", p["Timeout"], p["ReservedConcurrentExecutions"])
	}
}

// An RPO breach and an unhealthy check alarm at once; no finished check for
// the staleness window (missing data included) alarms too.
func TestReplicationAlarms(t *testing.T) {
	s := exampleStack(t)
	pair := []any{obj{"Name": config.MetricDimensionPair, "Value": "dev-to-dr"}}
	for _, m := range []string{config.MetricReplicationRPOBreached, config.MetricReplicationUnhealthy} {
		check(t, m+" alarm", func() {
			s.tmpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), like(obj{
				"Namespace": config.MetricNamespace, "MetricName": m, "Dimensions": pair, "Statistic": "Maximum",
				"Threshold": 1, "ComparisonOperator": "GreaterThanOrEqualToThreshold", "TreatMissingData": "notBreaching",
			}))
		})
	}
	check(t, "replication staleness alarm", func() {
		s.tmpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), like(obj{
			"Namespace": config.MetricNamespace, "MetricName": config.MetricReplicationChecked, "Dimensions": pair,
			"Statistic": "Sum", "EvaluationPeriods": 12, "DatapointsToAlarm": 12,
			"Threshold": 1, "ComparisonOperator": "LessThanThreshold", "TreatMissingData": "breaching",
		}))
	})
}

// The schedule follows the RPO within 5 minutes and an hour; staleness is
// at least two intervals, in whole 5-minute periods, at most a day.
func TestReplicationTiming(t *testing.T) {
	for _, c := range []struct{ rpo, rate, staleAfter, stale time.Duration }{
		{15 * time.Minute, 15 * time.Minute, time.Hour, time.Hour},
		{time.Minute, 5 * time.Minute, 7 * time.Minute, 10 * time.Minute},
		{4 * time.Hour, time.Hour, time.Hour, 2 * time.Hour},
		{90 * time.Second, 5 * time.Minute, 24 * time.Hour, 24 * time.Hour},
		{2*time.Minute + 30*time.Second, 5 * time.Minute, 11 * time.Minute, 15 * time.Minute},
	} {
		if got := replicationRate(c.rpo); got != c.rate {
			t.Errorf("replicationRate(%s) = %s, want %s", c.rpo, got, c.rate)
		}
		if got := replicationStaleAfter(c.staleAfter, c.rate); got != c.stale {
			t.Errorf("replicationStaleAfter(%s, %s) = %s, want %s", c.staleAfter, c.rate, got, c.stale)
		}
	}
}
