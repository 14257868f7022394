package main

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/drsync/drsync/shared/config"
	"github.com/drsync/drsync/shared/runbook"
	"github.com/drsync/drsync/shared/sfntest"
)

// asl is the part of a state machine definition the tests read.
type asl struct {
	StartAt        string
	TimeoutSeconds float64
	States         map[string]aslState
}

type aslState struct {
	Type, Next, Default, Resource string
	End                           bool
	Parameters                    map[string]any
	Result                        map[string]any
	ResultPath                    string
	ErrorPath, CausePath          string
	Retry                         []struct {
		ErrorEquals                  []string
		IntervalSeconds, MaxAttempts float64
		BackoffRate                  float64
		MaxDelaySeconds              float64
		JitterStrategy               string
	}
	Catch []struct {
		ErrorEquals      []string
		ResultPath, Next string
	}
	Choices []map[string]any
}

// runbookDefinition returns the runbook's definition as the template holds
// it (the failover function's ARN resolved by sfntest as the local
// interpreter sees it), parsed and raw.
func (s *synthesized) runbookDefinition(t *testing.T) (asl, []byte) {
	t.Helper()
	machines, err := sfntest.StateMachines(s.raw)
	if err != nil {
		t.Fatal(err)
	}
	if len(machines) != 1 || machines[0].LogicalID != logicalID(s.stack.runbook.machine) {
		t.Fatalf("state machines %+v, want the runbook alone", machines)
	}
	if fn := logicalID(s.stack.failover().fn); !slices.Equal(machines[0].Functions, []string{fn}) {
		t.Errorf("the runbook invokes %v, want only the failover function %s", machines[0].Functions, fn)
	}
	var def asl
	if err := json.Unmarshal(machines[0].Definition, &def); err != nil {
		t.Fatalf("definition: %v\n%s", err, machines[0].Definition)
	}
	return def, machines[0].Definition
}

// One Task per runbook step, in runbook.Steps' order, each invoking the
// failover function with the step, the execution's name and the whole state,
// and taking its result as the new state; Readiness goes on only through
// the ready-or-forced choice, Record ends in Done or, for a failed outcome,
// in Failed with the step's error.
func TestRunbookStepsInOrder(t *testing.T) {
	s := exampleStack(t)
	def, _ := s.runbookDefinition(t)
	fnARN := "arn:aws:lambda:" + sfntest.Region + ":" + sfntest.Account + ":function:" + logicalID(s.stack.failover().fn)
	if def.StartAt != runbook.StepReadiness {
		t.Errorf("StartAt %s, want %s", def.StartAt, runbook.StepReadiness)
	}
	for i, name := range runbook.Steps {
		st, ok := def.States[name]
		if !ok || st.Type != "Task" || st.Resource != fnARN || st.ResultPath != "" {
			t.Errorf("state %s: %+v, want a Task on the failover function whose result is the state", name, st)
			continue
		}
		assertJSON(t, name+" parameters", st.Parameters, obj{"step": name, "execution.$": "$$.Execution.Name", "state.$": "$"})
		next := map[string]string{runbook.StepReadiness: stateReadyOrForced, runbook.StepRecord: stateOutcome}[name]
		if next == "" {
			next = runbook.Steps[i+1]
		}
		if st.Next != next {
			t.Errorf("%s goes to %q, want %q", name, st.Next, next)
		}
	}
	ready := def.States[stateReadyOrForced]
	assertJSON(t, "ready-or-forced", ready.Choices, []any{obj{"Or": []any{
		obj{"And": []any{obj{"Variable": "$.readiness.ready", "IsPresent": true}, obj{"Variable": "$.readiness.ready", "BooleanEquals": true}}},
		obj{"And": []any{obj{"Variable": "$.force", "IsPresent": true}, obj{"Variable": "$.force", "BooleanEquals": true}}},
	}, "Next": runbook.StepFreeze}})
	notReady := def.States[ready.Default]
	if ready.Default != stateNotReady || notReady.Next != runbook.StepRecord || notReady.ResultPath != "$.error" ||
		notReady.Result["Error"] != runbook.ErrorTypes.NotReady {
		t.Errorf("not ready and not forced: %s %+v, want the NotReadyError under $.error into Record", ready.Default, notReady)
	}
	outcome := def.States[stateOutcome]
	assertJSON(t, "outcome choice", outcome.Choices, []any{obj{"Variable": "$.outcome", "StringEquals": runbook.OutcomeFailed, "Next": stateFailed}})
	if failed := def.States[stateFailed]; outcome.Default != stateDone || def.States[stateDone].Type != "Succeed" ||
		failed.Type != "Fail" || failed.ErrorPath != "$.error.Error" || failed.CausePath != "$.error.Cause" {
		t.Errorf("after Record: default %s, Failed %+v; want Done (Succeed), and Fail with the caught error", outcome.Default, failed)
	}
}

// Every step retries the runbook's ThrottledError and TransientError and
// Lambda's service errors, a bounded number of times with backoff; every
// step but Record catches NotReadyError and FencedError by name, then
// everything, into Record under $.error. Record catches nothing: its own
// failure fails the execution, which the failure rule announces.
func TestRunbookRetriesAndCatches(t *testing.T) {
	def, _ := exampleStack(t).runbookDefinition(t)
	for _, name := range runbook.Steps {
		st := def.States[name]
		var retried []string
		for _, r := range st.Retry {
			retried = append(retried, r.ErrorEquals...)
			if r.MaxAttempts < 1 || r.MaxAttempts > 6 || r.IntervalSeconds < 1 || r.BackoffRate < 2 {
				t.Errorf("%s retries %v %v times from %vs, backoff %v: want 1-6 attempts, backing off", name, r.ErrorEquals, r.MaxAttempts, r.IntervalSeconds, r.BackoffRate)
			}
		}
		for _, want := range append([]string{runbook.ErrorTypes.Throttled, runbook.ErrorTypes.Transient}, lambdaServiceErrors...) {
			if !slices.Contains(retried, want) {
				t.Errorf("%s does not retry %s (retries %v)", name, want, retried)
			}
		}
		for _, never := range []string{runbook.ErrorTypes.NotReady, runbook.ErrorTypes.Fenced, "States.ALL"} {
			if slices.Contains(retried, never) {
				t.Errorf("%s retries %s, which a retry cannot fix", name, never)
			}
		}
		var caught [][]string
		for _, c := range st.Catch {
			caught = append(caught, c.ErrorEquals)
			if c.Next != runbook.StepRecord || c.ResultPath != "$.error" {
				t.Errorf("%s catches %v into %s at %q, want Record at $.error", name, c.ErrorEquals, c.Next, c.ResultPath)
			}
		}
		want := [][]string{{runbook.ErrorTypes.NotReady, runbook.ErrorTypes.Fenced}, {"States.ALL"}}
		if name == runbook.StepRecord {
			want = nil
		}
		assertJSON(t, name+" catches", caught, want)
	}
}

// The function's timeout holds the final sync step (fence wait, then the
// final sync, plus a margin); the state machine gives every step that
// timeout and its retries' waits. Both follow the pair's sync config.
func TestRunbookTimeouts(t *testing.T) {
	s := exampleStack(t)
	cfg := s.stack.props.syncConfig().Failover
	fn := s.stack.failover()
	if want := cfg.FenceWait.Duration + cfg.FinalSyncTimeout.Duration + time.Minute; fn.spec.Timeout != want {
		t.Errorf("failover function timeout %s, want fence wait + final sync timeout + 1m = %s", fn.spec.Timeout, want)
	}
	def, _ := s.runbookDefinition(t)
	// 7 steps × (9m function timeout + 5 s + 10 s + 20 s of retry waits),
	// to the minute.
	if got, want := time.Duration(def.TimeoutSeconds)*time.Second, 67*time.Minute; got != want {
		t.Errorf("state machine timeout %s, want %s", got, want)
	}
	longer := config.Failover{FinalSyncTimeout: config.Duration{Duration: 20 * time.Minute}, FenceWait: config.Duration{Duration: 3 * time.Minute}}
	if runbookTimeout(failoverTimeout(longer)) <= runbookTimeout(failoverTimeout(cfg)) {
		t.Error("a longer final sync does not lengthen the state machine's timeout")
	}
}

// The synthesized definition is valid Amazon States Language as
// asl-validator reads it (ARNs and paths checked). Needs node and
// `make sfn-install`; skipped without them (failed under
// DRSYNC_REQUIRE_NODE=1).
func TestRunbookDefinitionIsValidASL(t *testing.T) {
	_, raw := exampleStack(t).runbookDefinition(t)
	sfn := sfntest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := sfn.Validate(ctx, raw); err != nil {
		t.Fatal(err)
	}
	// The check can fail: a definition whose choice leads nowhere is refused.
	broken := strings.Replace(string(raw), `"Default":"`+stateDone+`"`, `"Default":"Nowhere"`, 1)
	if broken == string(raw) || sfn.Validate(ctx, []byte(broken)) == nil {
		t.Error("asl-validator accepted a definition with a missing transition target")
	}
}

// The state machine logs everything (execution data included) to its own
// group, traces with X-Ray, and its role may invoke the failover function
// and nothing else; the failover function's role reads exactly the two
// secrets, the ledger, and publishes to the topic.
func TestRunbookAccess(t *testing.T) {
	s := exampleStack(t)
	r := s.stack.runbook
	check(t, "logging and tracing", func() {
		s.tmpl.HasResourceProperties(jsii.String("AWS::StepFunctions::StateMachine"), like(obj{
			"StateMachineType":     "STANDARD",
			"TracingConfiguration": obj{"Enabled": true},
			"LoggingConfiguration": obj{"Level": "ALL", "IncludeExecutionData": true,
				"Destinations": []any{obj{"CloudWatchLogsLogGroup": obj{"LogGroupArn": getAtt(logicalID(r.logs), "Arn")}}}},
		}))
	})
	fn := logicalID(s.stack.failover().fn)
	var invokes []any
	for _, st := range s.roleStatements(t, logicalID(r.machine.Role())) {
		if strings.Contains(mustJSON(t, st), "lambda:") {
			invokes = append(invokes, st)
		}
	}
	assertJSON(t, "the state machine's lambda grants", invokes, []any{obj{
		"Effect": "Allow", "Action": "lambda:InvokeFunction",
		"Resource": []any{getAtt(fn, "Arn"), obj{"Fn::Join": []any{"", []any{getAtt(fn, "Arn"), ":*"}}}},
	}})
}

// A failed, timed-out or aborted execution of the runbook reaches the topic
// through EventBridge even when Record could not run: the rule matches only
// this state machine's ends, and the topic and its key let only that rule
// in through EventBridge.
func TestRunbookFailureRule(t *testing.T) {
	s := exampleStack(t)
	r := s.stack.runbook
	topic := logicalID(s.stack.alerts.topic)
	check(t, "failure rule", func() {
		s.tmpl.HasResourceProperties(jsii.String("AWS::Events::Rule"), like(obj{
			"EventPattern": exact(obj{
				"source":      []any{"aws.states"},
				"detail-type": []any{"Step Functions Execution Status Change"},
				"detail":      obj{"status": []any{"FAILED", "TIMED_OUT", "ABORTED"}, "stateMachineArn": []any{ref(logicalID(r.machine))}},
			}),
			"Targets": []any{like(obj{"Arn": ref(topic), "InputTransformer": assertions.Match_AnyValue()})},
		}))
	})
	check(t, "topic policy", func() {
		s.tmpl.HasResourceProperties(jsii.String("AWS::SNS::TopicPolicy"), like(obj{
			"PolicyDocument": like(obj{"Statement": assertions.Match_ArrayWith(&[]any{exact(obj{
				"Sid": "RunbookFailuresPublish", "Effect": "Allow", "Action": "sns:Publish", "Resource": ref(topic),
				"Principal": obj{"Service": "events.amazonaws.com"},
				"Condition": obj{"ArnEquals": obj{"aws:SourceArn": getAtt(logicalID(r.rule), "Arn")}},
			})})}),
		}))
	})
	check(t, "key policy", func() {
		s.tmpl.HasResourceProperties(jsii.String("AWS::KMS::Key"), like(obj{
			"KeyPolicy": like(obj{"Statement": assertions.Match_ArrayWith(&[]any{like(obj{
				"Sid": "EventBridgeEncrypt", "Principal": obj{"Service": "events.amazonaws.com"},
			})})}),
		}))
	})
}

// An operator finds the state machine among the outputs.
func TestRunbookOutput(t *testing.T) {
	s := exampleStack(t)
	outputs, _ := s.doc["Outputs"].(map[string]any)
	out, _ := outputs["RunbookStateMachineArn"].(map[string]any)
	assertJSON(t, "output", out["Value"], ref(logicalID(s.stack.runbook.machine)))
}
