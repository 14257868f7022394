package main

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// cdk-nag's AwsSolutions pack finds nothing unsuppressed in the stack.
func TestNagAwsSolutionsClean(t *testing.T) {
	s := exampleStack(t)
	if s.synthErr != nil {
		t.Errorf("synth failed (cdk-nag errors are printed above): %s", firstLine(s.synthErr.Error()))
	}
	rule := assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*"))
	check(t, "nag errors", func() {
		assertions.Annotations_FromStack(s.stack.Stack).HasNoError(jsii.String("*"), rule)
	})
	check(t, "nag warnings", func() {
		assertions.Annotations_FromStack(s.stack.Stack).HasNoWarning(jsii.String("*"), rule)
	})
}

// Every suppression says why in words specific to it, and names the exact
// findings it covers (appliesTo), so a new wildcard is still reported.
func TestNagSuppressionsCarryReasons(t *testing.T) {
	s := exampleStack(t)
	seen := 0
	for id, r := range s.res {
		meta, _ := r.(map[string]any)["Metadata"].(map[string]any)
		nag, _ := meta["cdk_nag"].(map[string]any)
		rules, _ := nag["rules_to_suppress"].([]any)
		for _, x := range rules {
			sup := x.(map[string]any)
			seen++
			reason, _ := sup["reason"].(string)
			if len(reason) < 60 {
				t.Errorf("%s: suppression %v has a thin reason %q", id, sup["id"], reason)
			}
			if applies, _ := sup["applies_to"].([]any); len(applies) == 0 {
				t.Errorf("%s: suppression %v covers every finding of its rule; name them with appliesTo", id, sup["id"])
			}
		}
	}
	if seen == 0 {
		t.Error("no suppressions found in the template metadata; the check above would pass vacuously")
	}
}

// The nag gate really fires: the same pack on an unencrypted queue without
// TLS enforcement reports errors (a clean result above is not a dead check).
func TestNagReportsAnInsecureQueue(t *testing.T) {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Insecure"), nil)
	awssqs.NewQueue(stack, jsii.String("Plain"), &awssqs.QueueProps{Encryption: awssqs.QueueEncryption_UNENCRYPTED})
	awscdk.Aspects_Of(app).Add(cdknag.NewAwsSolutionsChecks(nil), nil)
	var a assertions.Annotations
	if err := catch(func() { a = assertions.Annotations_FromStack(stack) }); err != nil {
		t.Fatalf("synth: %v", firstLine(err.Error()))
	}
	for _, rule := range []string{"AwsSolutions-SQS2", "AwsSolutions-SQS4"} {
		err := catch(func() {
			a.HasError(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String(rule+".*")))
		})
		if err != nil {
			t.Errorf("cdk-nag did not report %s on an insecure queue: %v", rule, firstLine(err.Error()))
		}
	}
}

// firstLine keeps failure output short.
func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
