package main

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/drsync/drsync/shared/config"
)

// A failed CDK assertion must become a test error, not a panic that aborts
// the test binary: proves catch turns a real jsii AssertionError into an error.
func TestFailedAssertionIsAnError(t *testing.T) {
	s := exampleStack(t)
	err := catch(func() { s.tmpl.ResourceCountIs(jsii.String("AWS::SQS::Queue"), jsii.Number(99)) })
	if err == nil || !strings.Contains(err.Error(), "99") {
		t.Fatalf("catch = %v, want the assertion's error naming the expected count", err)
	}
}

// The ledger must survive everything but a deliberate delete: PITR, TTL on
// the store's attribute, encryption, deletion protection, Retain, and a
// logical id that no refactoring can change.
func TestLedgerTable(t *testing.T) {
	s := exampleStack(t)
	check(t, "one table", func() { s.tmpl.ResourceCountIs(jsii.String("AWS::DynamoDB::Table"), jsii.Number(1)) })
	check(t, "table settings", func() {
		s.tmpl.HasResource(jsii.String("AWS::DynamoDB::Table"), like(obj{
			"DeletionPolicy":      "Retain",
			"UpdateReplacePolicy": "Retain",
			"Properties": like(obj{
				"BillingMode":                      "PAY_PER_REQUEST",
				"KeySchema":                        []any{obj{"AttributeName": "pk", "KeyType": "HASH"}, obj{"AttributeName": "sk", "KeyType": "RANGE"}},
				"AttributeDefinitions":             []any{obj{"AttributeName": "pk", "AttributeType": "S"}, obj{"AttributeName": "sk", "AttributeType": "S"}},
				"PointInTimeRecoverySpecification": obj{"PointInTimeRecoveryEnabled": true},
				"TimeToLiveSpecification":          obj{"AttributeName": ledgerTTLAttribute, "Enabled": true},
				"SSESpecification":                 obj{"SSEEnabled": true},
				"DeletionProtectionEnabled":        true,
			}),
		}))
	})
	if r, _ := s.res["LedgerTable"].(map[string]any); r["Type"] != "AWS::DynamoDB::Table" {
		t.Errorf("resource LedgerTable is %v, want the table under its pinned logical id", r["Type"])
	}
}

// Every function runs the prebuilt Go binary on arm64 provided.al2023, sized
// per spec, traced, logging to its own group, with the config layer, and
// the singletons capped at one concurrent run.
func TestFunctions(t *testing.T) {
	s := exampleStack(t)
	specs := functionSpecs(s.stack.props)
	// No hidden helper functions (custom resources) may appear.
	check(t, "function count", func() {
		s.tmpl.ResourceCountIs(jsii.String("AWS::Lambda::Function"), jsii.Number(float64(len(specs))))
	})
	for _, d := range s.stack.functions {
		p := s.props(t, logicalID(d.fn))
		want := obj{
			"Runtime":       "provided.al2023",
			"Architectures": []any{"arm64"},
			"Handler":       "bootstrap",
			"MemorySize":    d.spec.MemoryMB,
			"Timeout":       d.spec.Timeout.Seconds(),
			"TracingConfig": obj{"Mode": "Active"},
			"LoggingConfig": obj{"LogGroup": ref(logicalID(d.logs))},
			"Layers":        []any{ref(logicalID(s.stack.configLayer))},
			"Role":          getAtt(logicalID(d.role), "Arn"),
		}
		if d.spec.Singleton {
			want["ReservedConcurrentExecutions"] = 1.0
		}
		for k, v := range want {
			assertJSON(t, d.spec.Name+" "+k, p[k], v)
		}
	}
	check(t, "sync is singleton", func() {
		s.tmpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), like(obj{
			"Description": assertions.Match_StringLikeRegexp(jsii.String("full reconcile")), "ReservedConcurrentExecutions": 1,
		}))
	})
}

// The environment holds the shared/config names and only names and ARNs:
// no credential can be in it, and each function gets only what it needs.
func TestFunctionEnvironment(t *testing.T) {
	s := exampleStack(t)
	p := s.stack.props
	for _, d := range s.stack.functions {
		want := obj{
			config.EnvPair:            p.Pair,
			config.EnvConfig:          "/opt/dev-to-dr.json",
			config.EnvLogLevel:        "info",
			config.EnvLedgerTable:     ref("LedgerTable"),
			config.EnvSourceSecretARN: p.SourceSecretARN,
			config.EnvTargetSecretARN: p.TargetSecretARN,
		}
		if d.spec.Needs&needSecrets == 0 {
			delete(want, config.EnvSourceSecretARN)
			delete(want, config.EnvTargetSecretARN)
		}
		if d.spec.Name == failoverName {
			want[config.EnvTopicARN] = ref(logicalID(s.stack.alerts.topic))
		}
		env, _ := s.props(t, logicalID(d.fn))["Environment"].(map[string]any)
		assertJSON(t, d.spec.Name+" environment", env["Variables"], want)
	}
}

// Each function, and the runbook's state machine, keeps its logs in an
// explicit group with the configured retention (no LogRetention custom
// resource), kept after stack deletion.
func TestLogGroups(t *testing.T) {
	s := exampleStack(t)
	groups := s.ofType("AWS::Logs::LogGroup")
	if len(groups) != len(s.stack.functions)+1 {
		t.Errorf("%d log groups, want one per function (%d) and the runbook's", len(groups), len(s.stack.functions))
	}
	for id, g := range groups {
		props, _ := g["Properties"].(map[string]any)
		if props["RetentionInDays"] != 90.0 || g["DeletionPolicy"] != "Retain" {
			t.Errorf("log group %s: retention %v, deletion %v; want 90 days, Retain", id, props["RetentionInDays"], g["DeletionPolicy"])
		}
	}
	if n := len(s.ofType("Custom::LogRetention")); n != 0 {
		t.Errorf("%d LogRetention custom resources, want none", n)
	}
}

// Every DLQ is encrypted, refuses requests without TLS and keeps messages
// for the 14-day maximum; every asynchronous function and its rule target
// send to the same DLQ. The failover function, which only the state
// machine invokes (synchronously), has none.
func TestDeadLetterQueues(t *testing.T) {
	s := exampleStack(t)
	triggered := s.triggered()
	check(t, "queue count", func() {
		s.tmpl.ResourceCountIs(jsii.String("AWS::SQS::Queue"), jsii.Number(float64(len(triggered))))
	})
	if fn := s.props(t, logicalID(s.stack.failover().fn)); fn["DeadLetterConfig"] != nil {
		t.Errorf("the failover function has a DLQ: %v", fn["DeadLetterConfig"])
	}
	for _, d := range triggered {
		q := logicalID(d.deadLtrs)
		check(t, d.spec.Name+" queue", func() {
			s.tmpl.HasResourceProperties(jsii.String("AWS::SQS::Queue"), exact(obj{
				"SqsManagedSseEnabled": true, "MessageRetentionPeriod": 1209600, "Tags": assertions.Match_AnyValue(),
			}))
		})
		check(t, d.spec.Name+" queue TLS only", func() {
			s.tmpl.HasResourceProperties(jsii.String("AWS::SQS::QueuePolicy"), like(obj{
				"Queues": []any{ref(q)},
				"PolicyDocument": like(obj{"Statement": assertions.Match_ArrayWith(&[]any{like(obj{
					"Effect": "Deny", "Action": "sqs:*", "Condition": obj{"Bool": obj{"aws:SecureTransport": "false"}},
				})})}),
			}))
		})
		fn := s.props(t, logicalID(d.fn))
		assertJSON(t, d.spec.Name+" function DLQ", fn["DeadLetterConfig"], obj{"TargetArn": getAtt(q, "Arn")})
	}
}

// The schedule runs sync at the configured rate; EventBridge retries a tick
// only until the next one is due, then dead-letters it. Lambda's own async
// retries are bounded the same way.
func TestScheduleRule(t *testing.T) {
	s := exampleStack(t)
	sync := s.stack.functions[0]
	check(t, "schedule rule", func() {
		s.tmpl.HasResourceProperties(jsii.String("AWS::Events::Rule"), like(obj{
			"ScheduleExpression": "rate(15 minutes)",
			"State":              "ENABLED",
			"Targets": []any{like(obj{
				"Arn":              getAtt(logicalID(sync.fn), "Arn"),
				"RetryPolicy":      obj{"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 900},
				"DeadLetterConfig": obj{"Arn": getAtt(logicalID(sync.deadLtrs), "Arn")},
			})},
		}))
	})
	check(t, "sync async retries", func() {
		s.tmpl.HasResourceProperties(jsii.String("AWS::Lambda::EventInvokeConfig"), obj{
			"FunctionName": ref(logicalID(sync.fn)), "MaximumRetryAttempts": 1, "MaximumEventAgeInSeconds": 900, "Qualifier": "$LATEST",
		})
	})
}

// The audit-log rule matches exactly S3 "Object Created" events of the
// delivery bucket under the delivery prefix, nothing broader.
func TestAuditLogRule(t *testing.T) {
	s := exampleStack(t)
	audit := s.stack.functions[1]
	check(t, "audit-log rule", func() {
		s.tmpl.HasResourceProperties(jsii.String("AWS::Events::Rule"), like(obj{
			"EventPattern": exact(obj{
				"source":      []any{"aws.s3"},
				"detail-type": []any{"Object Created"},
				"detail": obj{
					"bucket": obj{"name": []any{"example-databricks-audit-logs"}},
					"object": obj{"key": []any{obj{"prefix": "audit-logs/workspaceId=1234567890123456/"}}},
				},
			}),
			"Targets": []any{like(obj{
				"Arn":              getAtt(logicalID(audit.fn), "Arn"),
				"RetryPolicy":      obj{"MaximumRetryAttempts": 10, "MaximumEventAgeInSeconds": 86400},
				"DeadLetterConfig": obj{"Arn": getAtt(logicalID(audit.deadLtrs), "Arn")},
			})},
		}))
	})
}

// The alarm topic is KMS-encrypted with a rotating key, TLS-only, open to
// this account's CloudWatch alarms, and has the configured subscriber.
func TestAlarmTopic(t *testing.T) {
	s := exampleStack(t)
	check(t, "key rotation", func() {
		s.tmpl.HasResourceProperties(jsii.String("AWS::KMS::Key"), like(obj{"EnableKeyRotation": true}))
	})
	check(t, "topic encrypted", func() {
		s.tmpl.HasResourceProperties(jsii.String("AWS::SNS::Topic"), like(obj{
			"KmsMasterKeyId": assertions.Match_ObjectLike(&obj{"Fn::GetAtt": assertions.Match_ArrayWith(&[]any{"Arn"})}),
		}))
	})
	check(t, "topic policy", func() {
		s.tmpl.HasResourceProperties(jsii.String("AWS::SNS::TopicPolicy"), like(obj{
			"PolicyDocument": like(obj{"Statement": assertions.Match_ArrayWith(&[]any{
				like(obj{"Effect": "Deny", "Condition": obj{"Bool": obj{"aws:SecureTransport": "false"}}}),
				like(obj{"Effect": "Allow", "Principal": obj{"Service": "cloudwatch.amazonaws.com"}, "Action": "sns:Publish"}),
			})}),
		}))
	})
	check(t, "subscription", func() {
		s.tmpl.HasResourceProperties(jsii.String("AWS::SNS::Subscription"), like(obj{"Protocol": "email", "Endpoint": "dr-oncall@example.com"}))
	})
}

// Every function's errors, every non-empty DLQ, failed runs and a stale DR
// copy raise an alarm that notifies the topic, on the metric names the
// functions emit (shared/config).
func TestAlarms(t *testing.T) {
	s := exampleStack(t)
	topic := ref(logicalID(s.stack.alerts.topic))
	alarms := s.ofType("AWS::CloudWatch::Alarm")
	// Per function errors, per triggered function DLQ depth, run failed and
	// stale, and the three replication alarms (TestReplicationAlarms).
	if want := len(s.stack.functions) + len(s.triggered()) + 2 + 3; len(alarms) != want {
		t.Errorf("%d alarms, want %d", len(alarms), want)
	}
	for id, a := range alarms {
		p, _ := a["Properties"].(map[string]any)
		assertJSON(t, id+" AlarmActions", p["AlarmActions"], []any{topic})
		assertJSON(t, id+" OKActions", p["OKActions"], []any{topic})
	}
	for _, d := range s.stack.functions {
		check(t, d.spec.Name+" errors alarm", func() {
			s.tmpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), like(obj{
				"Namespace": "AWS/Lambda", "MetricName": "Errors", "Statistic": "Sum", "Threshold": 1,
				"ComparisonOperator": "GreaterThanOrEqualToThreshold",
				"Dimensions":         []any{obj{"Name": "FunctionName", "Value": ref(logicalID(d.fn))}},
			}))
		})
		if d.deadLtrs == nil {
			continue
		}
		check(t, d.spec.Name+" DLQ depth alarm", func() {
			s.tmpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), like(obj{
				"Namespace": "AWS/SQS", "MetricName": "ApproximateNumberOfMessagesVisible", "Threshold": 1,
				"ComparisonOperator": "GreaterThanOrEqualToThreshold",
				"Dimensions":         []any{obj{"Name": "QueueName", "Value": getAtt(logicalID(d.deadLtrs), "QueueName")}},
			}))
		})
	}
	pair := []any{obj{"Name": config.MetricDimensionPair, "Value": "dev-to-dr"}}
	check(t, "run failed alarm", func() {
		s.tmpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), like(obj{
			"Namespace": config.MetricNamespace, "MetricName": config.MetricRunFailed, "Dimensions": pair,
			"Statistic": "Sum", "Threshold": 1, "ComparisonOperator": "GreaterThanOrEqualToThreshold",
		}))
	})
	// 1h of 5-minute periods, all without a success; no data is a breach.
	check(t, "staleness alarm", func() {
		s.tmpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), like(obj{
			"Namespace": config.MetricNamespace, "MetricName": config.MetricRunSucceeded, "Dimensions": pair,
			"Statistic": "Sum", "Period": 300, "EvaluationPeriods": 12, "DatapointsToAlarm": 12,
			"Threshold": 1, "ComparisonOperator": "LessThanThreshold", "TreatMissingData": "breaching",
		}))
	})
}

// The dashboard shows every alarm's state and the run metrics.
func TestDashboard(t *testing.T) {
	s := exampleStack(t)
	boards := s.ofType("AWS::CloudWatch::Dashboard")
	if len(boards) != 1 {
		t.Fatalf("%d dashboards, want 1", len(boards))
	}
	var body string
	for _, b := range boards {
		body = mustJSON(t, b["Properties"])
	}
	for _, want := range []string{
		`\"type\":\"alarm\"`, config.MetricRunSucceeded, config.MetricRunFailed,
		config.MetricActionsFailed, config.MetricDriftFound, `\"drsync\"`,
		"ApproximateNumberOfMessagesVisible", "Errors",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("dashboard body lacks %s", want)
		}
	}
	for _, id := range []string{"RunFailed", "Stale"} {
		if !strings.Contains(body, alarmLogicalID(s, id)) {
			t.Errorf("dashboard does not show alarm %s", id)
		}
	}
}

// triggered are the functions with an asynchronous trigger (and a DLQ).
func (s *synthesized) triggered() []*deployedFunction {
	var out []*deployedFunction
	for _, d := range s.stack.functions {
		if d.spec.Trigger != nil {
			out = append(out, d)
		}
	}
	return out
}

// alarmLogicalID returns the logical id of the pair-level alarm named id.
func alarmLogicalID(s *synthesized, id string) string {
	return logicalID(s.stack.Node().FindChild(jsii.String(id)))
}

// versionReporting is off in cdk.json; the app must honour it like the CLI.
func TestNoAnalyticsMetadata(t *testing.T) {
	s := exampleStack(t)
	if n := len(s.ofType("AWS::CDK::Metadata")); n != 0 {
		t.Errorf("%d AWS::CDK::Metadata resources, want none", n)
	}
}
