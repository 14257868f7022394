package sfntest_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/drsync/drsync/shared/sfntest"
)

// A template's state machine comes out runnable: its Fn::Join resolved,
// the Lambda function it names by Fn::GetAtt or Ref turned into a local
// function ARN named by its logical id, pseudo parameters filled in.
func TestStateMachinesFromATemplate(t *testing.T) {
	template := `{"Resources": {
	  "Fn1": {"Type": "AWS::Lambda::Function"},
	  "Machine": {"Type": "AWS::StepFunctions::StateMachine", "Properties": {"DefinitionString": {"Fn::Join": ["", [
	    "{\"StartAt\":\"A\",\"States\":{\"A\":{\"Type\":\"Task\",\"Resource\":\"", {"Fn::GetAtt": ["Fn1", "Arn"]},
	    "\",\"Next\":\"B\"},\"B\":{\"Type\":\"Task\",\"Resource\":\"arn:aws:states:::lambda:invoke\",\"Parameters\":{\"FunctionName\":\"",
	    {"Ref": "Fn1"}, "\",\"Region\":\"", {"Ref": "AWS::Region"}, "\"},\"End\":true}}}"]]}}}}}`
	got, err := sfntest.StateMachines([]byte(template))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].LogicalID != "Machine" || strings.Join(got[0].Functions, ",") != "Fn1" {
		t.Fatalf("got %+v, want the one machine naming Fn1", got)
	}
	var def struct {
		States map[string]struct {
			Resource   string
			Parameters map[string]string
		}
	}
	if err := json.Unmarshal(got[0].Definition, &def); err != nil {
		t.Fatalf("definition %s: %v", got[0].Definition, err)
	}
	arn := "arn:aws:lambda:" + sfntest.Region + ":" + sfntest.Account + ":function:Fn1"
	if def.States["A"].Resource != arn || def.States["B"].Parameters["FunctionName"] != arn || def.States["B"].Parameters["Region"] != sfntest.Region {
		t.Errorf("definition %s: want %s in both tasks and the region filled in", got[0].Definition, arn)
	}
}

// What cannot run locally is refused by name, never passed on unresolved.
func TestStateMachinesRefuseWhatCannotRunLocally(t *testing.T) {
	for _, ref := range []string{`{"Ref": "Topic"}`, `{"Fn::GetAtt": ["Nothing", "Arn"]}`, `{"Fn::Sub": "x"}`} {
		template := `{"Resources": {"Topic": {"Type": "AWS::SNS::Topic"},
		  "M": {"Type": "AWS::StepFunctions::StateMachine", "Properties": {"DefinitionString": {"Fn::Join": ["", ["{", ` + ref + `, "}"]]}}}}}`
		_, err := sfntest.StateMachines([]byte(template))
		if err == nil || !strings.Contains(err.Error(), "state machine M") {
			t.Errorf("%s: error %v, want one naming state machine M", ref, err)
		}
	}
}
