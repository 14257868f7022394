package sfntest

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// TemplateMachine is a state machine as a CloudFormation template (what
// `cdk synth` writes) declares it, made runnable here.
type TemplateMachine struct {
	// LogicalID is the AWS::StepFunctions::StateMachine resource's.
	LogicalID string
	// Definition is its DefinitionString with the intrinsic functions
	// resolved: a Lambda function's ARN (Fn::GetAtt [Fn, Arn], Ref Fn) is
	// arn:aws:lambda:<Region>:<Account>:function:<its logical id>, so
	// Options.Functions routes it by logical id.
	Definition []byte
	// Functions are the logical ids of the Lambda functions it refers to,
	// sorted.
	Functions []string
}

// StateMachines returns every state machine of template, sorted by logical
// id. Errors: a template that is not JSON, a definition that is not a
// string or an Fn::Join, an intrinsic function or reference this cannot
// resolve (named, with the state machine).
func StateMachines(template []byte) ([]TemplateMachine, error) {
	var doc struct {
		Resources map[string]struct {
			Type       string
			Properties struct{ DefinitionString any }
		}
	}
	if err := json.Unmarshal(template, &doc); err != nil {
		return nil, fmt.Errorf("sfntest: template: %w", err)
	}
	r := resolver{types: map[string]string{}, used: map[string]bool{}}
	var ids []string
	for id, res := range doc.Resources {
		r.types[id] = res.Type
		if res.Type == "AWS::StepFunctions::StateMachine" {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	var out []TemplateMachine
	for _, id := range ids {
		clear(r.used)
		def, err := r.text(doc.Resources[id].Properties.DefinitionString)
		if err != nil {
			return nil, fmt.Errorf("sfntest: state machine %s: %w", id, err)
		}
		m := TemplateMachine{LogicalID: id, Definition: []byte(def)}
		for fn := range r.used {
			m.Functions = append(m.Functions, fn)
		}
		slices.Sort(m.Functions)
		out = append(out, m)
	}
	return out, nil
}

// resolver resolves the intrinsic functions of a definition.
type resolver struct {
	types map[string]string // logical id -> resource type
	used  map[string]bool   // the functions the definition named
}

// text resolves v, a string or an intrinsic function, to a string.
func (r resolver) text(v any) (string, error) {
	switch v := v.(type) {
	case string:
		return v, nil
	case map[string]any:
		if len(v) != 1 {
			return "", fmt.Errorf("want one intrinsic function, got %v", keys(v))
		}
		for name, arg := range v {
			return r.intrinsic(name, arg)
		}
	}
	return "", fmt.Errorf("cannot resolve %v", v)
}

func (r resolver) intrinsic(name string, arg any) (string, error) {
	switch name {
	case "Fn::Join":
		parts, ok := arg.([]any)
		if !ok || len(parts) != 2 {
			return "", errors.New("Fn::Join: want [separator, [values]]")
		}
		sep, _ := parts[0].(string)
		values, _ := parts[1].([]any)
		texts := make([]string, len(values))
		for i, v := range values {
			t, err := r.text(v)
			if err != nil {
				return "", err
			}
			texts[i] = t
		}
		return strings.Join(texts, sep), nil
	case "Ref":
		ref, _ := arg.(string)
		return r.ref(ref)
	case "Fn::GetAtt":
		att, _ := arg.([]any)
		if len(att) == 2 && att[1] == "Arn" {
			id, _ := att[0].(string)
			return r.functionARN(id)
		}
	}
	return "", fmt.Errorf("cannot resolve %s %v", name, arg)
}

// ref resolves a pseudo parameter, or a Lambda function (whose Ref is its
// name, which Lambda accepts wherever an ARN goes).
func (r resolver) ref(name string) (string, error) {
	switch name {
	case "AWS::Partition":
		return "aws", nil
	case "AWS::Region":
		return Region, nil
	case "AWS::AccountId":
		return Account, nil
	case "AWS::URLSuffix":
		return "amazonaws.com", nil
	}
	return r.functionARN(name)
}

func (r resolver) functionARN(id string) (string, error) {
	if r.types[id] != "AWS::Lambda::Function" {
		return "", fmt.Errorf("cannot resolve a reference to %s (%s): only Lambda functions run locally", id, cmp.Or(r.types[id], "no such resource"))
	}
	r.used[id] = true
	return fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", Region, Account, id), nil
}

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
