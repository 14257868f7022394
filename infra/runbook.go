package main

import (
	"fmt"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	sfn "github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctionstasks"
	"github.com/aws/aws-cdk-go/awscdk/v2/interfaces/interfacesawsevents"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/drsync/drsync/shared/config"
	"github.com/drsync/drsync/shared/runbook"
)

// The failover and failback runbook (shared/runbook) runs as a Step
// Functions state machine: one Task per step, each invoking the failover
// function with the step's name, the execution's name and the state so far,
// and taking the function's result as the new state.
//
//	Readiness → ReadyOrForced? → FreezePrimary → FinalSync → Fence → Activate → Verify → Record → Outcome? → Done
//	               └ NotReady ─────────────────────────────────────────────────────────────────┘            └ Failed
//
// A step's ThrottledError and TransientError, and Lambda's own service
// errors, are retried a bounded number of times; anything else a step
// raises (NotReadyError, FencedError by name, the rest as States.ALL) goes,
// under $.error, to Record, which records the run as failed and notifies;
// the execution then ends in the Fail state with the step's error. An
// execution that fails, times out or is aborted is also announced on the
// topic by an EventBridge rule, in case Record itself could not run.

// failoverMargin is what the failover function's timeout adds to the
// longest step's own bounds: the handler's deadline margin
// (function.DefaultMaxMargin, 15 s), the ledger writes around the step and
// a cold start.
const failoverMargin = time.Minute

// failoverTimeout is the failover function's timeout: the final sync step
// waits up to FenceWait for running syncs to let go, then syncs for up to
// FinalSyncTimeout, in one invocation; the other steps need less.
func failoverTimeout(f config.Failover) time.Duration {
	return f.FenceWait.Duration + f.FinalSyncTimeout.Duration + failoverMargin
}

// The Retry of the steps' own ThrottledError and TransientError: 5 s,
// 10 s, 20 s (jittered), then the error stands and is caught.
const (
	stepRetryInterval = 5 * time.Second
	stepRetryAttempts = 3
	stepRetryBackoff  = 2
	stepRetryMaxDelay = time.Minute
)

// The Retry of errors of the Lambda service itself (not of the function),
// as AWS recommends for Lambda tasks, plus throttling of the invoke.
const (
	lambdaRetryInterval = 2 * time.Second
	lambdaRetryAttempts = 6
	lambdaRetryBackoff  = 2
)

// lambdaServiceErrors are the Lambda service's transient errors, which say
// nothing about the step (it did not run, or its answer was lost).
var lambdaServiceErrors = []string{
	"Lambda.ClientExecutionTimeoutException", "Lambda.ServiceException", "Lambda.AWSLambdaException",
	"Lambda.SdkClientException", "Lambda.TooManyRequestsException",
}

// runbookTimeout bounds a whole execution: every step may use the whole
// function timeout once, plus the waits of its step retries. A run longer
// than that is stuck, and its end (TIMED_OUT) is announced.
func runbookTimeout(fn time.Duration) time.Duration {
	var waits time.Duration
	for i, d := 0, stepRetryInterval; i < stepRetryAttempts; i, d = i+1, d*stepRetryBackoff {
		waits += min(d, stepRetryMaxDelay)
	}
	return (time.Duration(len(runbook.Steps)) * (fn + waits)).Round(time.Minute)
}

// failoverName is the failover function's folder under functions/.
const failoverName = "failover"

// failoverSpec is the failover function. Only the state machine invokes it,
// synchronously (no trigger, no DLQ: a failed step is the state machine's to
// handle). One reserved instance is capacity the rest of the account cannot
// take during a regional event; a second runbook execution at the same time
// is refused by the fence anyway.
func failoverSpec(p *pairProps) functionSpec {
	return functionSpec{
		Name:        failoverName,
		Description: "drsync " + p.Pair + ": one step of the failover/failback runbook, for its state machine",
		MemoryMB:    1024,
		Timeout:     failoverTimeout(p.syncConfig().Failover),
		Singleton:   true,
		Needs:       needLedger | needSecrets | needTopic,
	}
}

// Names of the runbook's states besides the steps.
const (
	stateReadyOrForced = "ReadyOrForced"
	stateNotReady      = "NotReady"
	stateOutcome       = "Outcome"
	stateFailed        = "Failed"
	stateDone          = "Done"
)

// runbookMachine is the runbook's state machine with what the tests and
// the outputs refer to.
type runbookMachine struct {
	scope   constructs.Construct
	machine sfn.StateMachine
	logs    awslogs.LogGroup
	rule    awsevents.Rule
}

// addRunbook builds the runbook's state machine on the failover function
// fn, its log group, and the rule announcing a failed execution on the
// topic.
func (s *pairStack) addRunbook(fn *deployedFunction) {
	scope := constructs.NewConstruct(s.Stack, jsii.String("Runbook"))
	r := &runbookMachine{scope: scope}
	r.logs = awslogs.NewLogGroup(scope, jsii.String("Logs"), &awslogs.LogGroupProps{
		// Step Functions' own prefix keeps the account's log resource
		// policy small (CloudWatch Logs caps its size).
		LogGroupName:  jsii.String("/aws/vendedlogs/states/drsync-" + s.props.Pair + "-runbook"),
		Retention:     retentionDays[s.props.LogRetentionDays],
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	r.machine = sfn.NewStateMachine(scope, jsii.String("StateMachine"), &sfn.StateMachineProps{
		Comment: jsii.String("drsync " + s.props.Pair + ": failover and failback runbook (input: events/failover-input.json)"),
		// The states in a scope of their own: their construct ids are the
		// state names.
		DefinitionBody:   sfn.DefinitionBody_FromChainable(runbookDefinition(constructs.NewConstruct(scope, jsii.String("States")), fn.fn)),
		StateMachineType: sfn.StateMachineType_STANDARD,
		Timeout:          seconds(runbookTimeout(fn.spec.Timeout)),
		TracingEnabled:   jsii.Bool(true),
		Logs:             &sfn.LogOptions{Destination: r.logs, Level: sfn.LogLevel_ALL, IncludeExecutionData: jsii.Bool(true)},
	})
	r.rule = s.alerts.announceFailures(scope, s.props.Pair, r.machine)
	s.runbook = r
}

// runbookDefinition chains the states: the steps in runbook.Steps order,
// Record reached from every step's Catch, and the two choices.
func runbookDefinition(scope constructs.Construct, fn awslambda.IFunction) sfn.IChainable {
	tasks := map[string]awsstepfunctionstasks.LambdaInvoke{}
	for _, name := range runbook.Steps {
		tasks[name] = stepTask(scope, name, fn)
	}
	record := tasks[runbook.StepRecord]
	record.Next(sfn.NewChoice(scope, jsii.String(stateOutcome), &sfn.ChoiceProps{
		Comment: jsii.String("Record's outcome: failed ends the execution with the step's error"),
	}).When(sfn.Condition_StringEquals(jsii.String("$.outcome"), jsii.String(runbook.OutcomeFailed)),
		sfn.NewFail(scope, jsii.String(stateFailed), &sfn.FailProps{
			ErrorPath: jsii.String("$.error.Error"), CausePath: jsii.String("$.error.Cause"),
		}), nil).
		Otherwise(sfn.NewSucceed(scope, jsii.String(stateDone), nil)))
	for i, name := range runbook.Steps[:len(runbook.Steps)-1] {
		catchInto(tasks[name], record)
		if name != runbook.StepReadiness {
			tasks[name].Next(tasks[runbook.Steps[i+1]])
		}
	}
	tasks[runbook.StepReadiness].Next(readyOrForced(scope, tasks[runbook.Steps[1]], record))
	return tasks[runbook.StepReadiness]
}

// readyOrForced goes on to next when the standby was ready or the input
// forces, else, as a NotReadyError, to record. Readiness raises that error
// itself; the choice keeps a change of the function from switching an
// unready pair silently.
func readyOrForced(scope constructs.Construct, next, record sfn.IChainable) sfn.Choice {
	isTrue := func(path string) sfn.Condition {
		return sfn.Condition_And(sfn.Condition_IsPresent(jsii.String(path)),
			sfn.Condition_BooleanEquals(jsii.String(path), jsii.Bool(true)))
	}
	notReady := sfn.NewPass(scope, jsii.String(stateNotReady), &sfn.PassProps{
		Result: sfn.Result_FromObject(&map[string]any{
			"Error": runbook.ErrorTypes.NotReady,
			"Cause": "the readiness check did not pass and the input did not force",
		}),
		ResultPath: jsii.String("$.error"),
	})
	notReady.Next(record)
	return sfn.NewChoice(scope, jsii.String(stateReadyOrForced), nil).
		When(sfn.Condition_Or(isTrue("$.readiness.ready"), isTrue("$.force")), next, nil).
		Otherwise(notReady)
}

// stepTask invokes fn for the step name with the state so far, and takes
// the function's result (the payload only) as the new state.
func stepTask(scope constructs.Construct, name string, fn awslambda.IFunction) awsstepfunctionstasks.LambdaInvoke {
	t := awsstepfunctionstasks.NewLambdaInvoke(scope, jsii.String(name), &awsstepfunctionstasks.LambdaInvokeProps{
		LambdaFunction: fn,
		Payload: sfn.TaskInput_FromObject(&map[string]any{
			"step":      name,
			"execution": sfn.JsonPath_StringAt(jsii.String("$$.Execution.Name")),
			"state":     sfn.JsonPath_EntirePayload(),
		}),
		PayloadResponseOnly:      jsii.Bool(true),
		RetryOnServiceExceptions: jsii.Bool(false), // lambdaServiceErrors below, with throttling
	})
	t.AddRetry(&sfn.RetryProps{
		Errors:         jsii.Strings(runbook.ErrorTypes.Throttled, runbook.ErrorTypes.Transient),
		Interval:       seconds(stepRetryInterval),
		MaxAttempts:    jsii.Number(stepRetryAttempts),
		BackoffRate:    jsii.Number(stepRetryBackoff),
		MaxDelay:       seconds(stepRetryMaxDelay),
		JitterStrategy: sfn.JitterType_FULL,
	})
	t.AddRetry(&sfn.RetryProps{
		Errors:         jsii.Strings(lambdaServiceErrors...),
		Interval:       seconds(lambdaRetryInterval),
		MaxAttempts:    jsii.Number(lambdaRetryAttempts),
		BackoffRate:    jsii.Number(lambdaRetryBackoff),
		JitterStrategy: sfn.JitterType_FULL,
	})
	return t
}

// catchInto sends t's errors, under $.error, to record: the runbook's
// terminal errors by name, then everything else.
func catchInto(t awsstepfunctionstasks.LambdaInvoke, record sfn.IChainable) {
	for _, errs := range [][]string{{runbook.ErrorTypes.NotReady, runbook.ErrorTypes.Fenced}, {*sfn.Errors_ALL()}} {
		t.AddCatch(record, &sfn.CatchProps{Errors: jsii.Strings(errs...), ResultPath: jsii.String("$.error")})
	}
}

// failedStatuses are the ends of an execution that must reach a person.
var failedStatuses = []string{"FAILED", "TIMED_OUT", "ABORTED"}

// announceFailures publishes to the topic every end of machine's
// executions in failedStatuses: the one notification that does not depend
// on the runbook's Record step having run.
func (a *alerting) announceFailures(scope constructs.Construct, pair string, machine sfn.IStateMachine) awsevents.Rule {
	rule := awsevents.NewRule(scope, jsii.String("Failed"), &awsevents.RuleProps{
		Description: jsii.String("drsync " + pair + ": a runbook execution failed, timed out or was aborted"),
		EventPattern: &awsevents.EventPattern{
			Source:     jsii.Strings("aws.states"),
			DetailType: jsii.Strings("Step Functions Execution Status Change"),
			Detail: &map[string]any{
				"status":          failedStatuses,
				"stateMachineArn": []*string{machine.StateMachineArn()},
			},
		},
	})
	// The statement AWS documents for EventBridge targets on encrypted
	// topics (as alarmsMayPublish's key statement for CloudWatch).
	a.key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("EventBridgeEncrypt"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("events.amazonaws.com"), nil)},
		Actions:    jsii.Strings("kms:Decrypt", "kms:GenerateDataKey"),
		Resources:  jsii.Strings("*"),
	}), nil)
	field := func(path string) string { return *awsevents.EventField_FromPath(jsii.String(path)) }
	rule.AddTarget(&topicTarget{topic: a.topic, message: awsevents.RuleTargetInput_FromText(jsii.String(fmt.Sprintf(
		"drsync %s: runbook execution %s ended %s. Input: %s. Its Record step notifies on its own when it ran; "+
			"the execution's history names the failed step.", pair, field("$.detail.name"), field("$.detail.status"), field("$.detail.input"))))})
	a.topic.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("RunbookFailuresPublish"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("events.amazonaws.com"), nil)},
		Actions:    jsii.Strings("sns:Publish"),
		Resources:  jsii.Strings(*a.topic.TopicArn()),
		Conditions: &map[string]any{"ArnEquals": map[string]any{"aws:SourceArn": rule.RuleArn()}},
	}))
	return rule
}

// topicTarget sends a rule's events to a topic whose policy allows that
// rule alone (announceFailures): the CDK's SnsTopic target would allow any
// EventBridge rule, of any account, to publish.
type topicTarget struct {
	topic   awssns.ITopic
	message awsevents.RuleTargetInput
}

// Bind implements awsevents.IRuleTarget.
func (t *topicTarget) Bind(interfacesawsevents.IRuleRef, *string) *awsevents.RuleTargetConfig {
	return &awsevents.RuleTargetConfig{Arn: t.topic.TopicArn(), Input: t.message}
}
