package main

import (
	"cmp"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// trigger is an EventBridge rule that invokes a function asynchronously.
type trigger interface {
	// rule returns the rule's schedule or event pattern and description.
	rule() *awsevents.RuleProps
	// delivery is EventBridge's retry policy for invoking the target; what
	// still fails after it goes to the trigger's DLQ.
	delivery() (attempts float64, maxAge time.Duration)
}

// scheduleTrigger runs the function every rate; what names the run in the
// rule's description ("" is the full sync).
type scheduleTrigger struct {
	rate time.Duration
	what string
}

func (t scheduleTrigger) rule() *awsevents.RuleProps {
	return &awsevents.RuleProps{
		Description: jsii.String("drsync: scheduled " + cmp.Or(t.what, "full sync")),
		Schedule:    awsevents.Schedule_Rate(awscdk.Duration_Minutes(jsii.Number(t.rate.Minutes()))),
	}
}

// delivery gives up on a tick once the next one is due.
func (t scheduleTrigger) delivery() (float64, time.Duration) { return 2, t.rate }

// objectCreatedTrigger fires for every object Databricks delivers under
// prefix in bucket. The bucket is not the stack's: it must have EventBridge
// notifications switched on (infra/README.md, prerequisites).
type objectCreatedTrigger struct{ bucket, prefix string }

func (t objectCreatedTrigger) rule() *awsevents.RuleProps {
	detail := map[string]any{"bucket": map[string]any{"name": []string{t.bucket}}}
	if t.prefix != "" {
		detail["object"] = map[string]any{"key": awsevents.Match_Prefix(jsii.String(t.prefix))}
	}
	return &awsevents.RuleProps{
		Description: jsii.String("drsync: audit-log object delivered"),
		EventPattern: &awsevents.EventPattern{
			Source:     jsii.Strings("aws.s3"),
			DetailType: jsii.Strings("Object Created"),
			Detail:     &detail,
		},
	}
}

// delivery keeps trying for EventBridge's maximum: an audit-log object that is
// never processed is a change DR silently misses.
func (t objectCreatedTrigger) delivery() (float64, time.Duration) { return 10, 24 * time.Hour }

// attachTrigger creates t's rule in scope, targeting fn with t's retry policy
// and dlq for what EventBridge cannot deliver.
func attachTrigger(scope constructs.Construct, t trigger, fn awslambda.IFunction, dlq awssqs.IQueue) awsevents.Rule {
	attempts, maxAge := t.delivery()
	rule := awsevents.NewRule(scope, jsii.String("Trigger"), t.rule())
	rule.AddTarget(awseventstargets.NewLambdaFunction(fn, &awseventstargets.LambdaFunctionProps{
		DeadLetterQueue: dlq,
		RetryAttempts:   jsii.Number(attempts),
		MaxEventAge:     seconds(maxAge),
	}))
	return rule
}

// seconds converts d to a CDK duration.
func seconds(d time.Duration) awscdk.Duration {
	return awscdk.Duration_Seconds(jsii.Number(d.Seconds()))
}
