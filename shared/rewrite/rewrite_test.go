package rewrite

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/drsync/drsync/shared/resource"
)

func doc(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func str(s string) *string { return &s }

// The example rules, applied to a job whose clusters sit at three
// depths and to a cluster policy: each rule meets its key path wherever it
// occurs, and only there.
func TestApplyEveryOperationWhereverTheFieldOccurs(t *testing.T) {
	rules, err := Compile([]Rule{
		{Field: "aws_attributes.instance_profile_arn", Map: map[string]string{
			"arn:aws:iam::111111111111:instance-profile/etl": "arn:aws:iam::222222222222:instance-profile/etl-dr"}},
		{Field: "cluster_log_conf.s3.destination", Prefix: map[string]string{
			"s3://logs-us-west-2/": "s3://logs-us-east-1/", "s3://logs-us-west-2/special/": "s3://special-dr/"}},
		{Field: "cluster_log_conf.s3.region", Set: str("us-east-1")},
		{Field: "node_type_id", Map: map[string]string{"i3.xlarge": "i4i.xlarge"}},
		{Field: "spark_env_vars.KMS_KEY", Regex: &Regex{Pattern: "^arn:aws:kms:us-west-2:", Replace: "arn:aws:kms:us-east-1:"}},
		{Field: "custom_tags.cost-center", Drop: true},
		{Field: "init_scripts[].s3.destination", Prefix: map[string]string{"s3://init-w2/": "s3://init-e1/"}},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	job := doc(t, `{
	  "name": "nightly",
	  "job_clusters": [{"job_cluster_key": "a", "new_cluster": {
	    "node_type_id": "i3.xlarge", "driver_node_type_id": "i3.xlarge",
	    "aws_attributes": {"instance_profile_arn": "arn:aws:iam::111111111111:instance-profile/etl"},
	    "cluster_log_conf": {"s3": {"destination": "s3://logs-us-west-2/special/x"}},
	    "custom_tags": {"cost-center": "42", "team": "etl"},
	    "init_scripts": [{"s3": {"destination": "s3://init-w2/a.sh"}}, {"workspace": {"destination": "/Shared/init.sh"}}]}}],
	  "tasks": [{"task_key": "t", "new_cluster": {"node_type_id": "m5.large",
	    "spark_env_vars": {"KMS_KEY": "arn:aws:kms:us-west-2:1:key/k", "OTHER": "arn:aws:kms:us-west-2:1:key/k"},
	    "cluster_log_conf": {"s3": {"destination": "s3://logs-us-west-2/y"}}}},
	    {"task_key": "u", "for_each_task": {"task": {"new_cluster": {"node_type_id": "i3.xlarge"}}}}]
	}`)
	changes := rules.Apply(job)
	want := doc(t, `{
	  "name": "nightly",
	  "job_clusters": [{"job_cluster_key": "a", "new_cluster": {
	    "node_type_id": "i4i.xlarge", "driver_node_type_id": "i3.xlarge",
	    "aws_attributes": {"instance_profile_arn": "arn:aws:iam::222222222222:instance-profile/etl-dr"},
	    "cluster_log_conf": {"s3": {"destination": "s3://special-dr/x", "region": "us-east-1"}},
	    "custom_tags": {"team": "etl"},
	    "init_scripts": [{"s3": {"destination": "s3://init-e1/a.sh"}}, {"workspace": {"destination": "/Shared/init.sh"}}]}}],
	  "tasks": [{"task_key": "t", "new_cluster": {"node_type_id": "m5.large",
	    "spark_env_vars": {"KMS_KEY": "arn:aws:kms:us-east-1:1:key/k", "OTHER": "arn:aws:kms:us-west-2:1:key/k"},
	    "cluster_log_conf": {"s3": {"destination": "s3://logs-us-east-1/y", "region": "us-east-1"}}}},
	    {"task_key": "u", "for_each_task": {"task": {"new_cluster": {"node_type_id": "i4i.xlarge"}}}}]
	}`)
	if !reflect.DeepEqual(job, want) {
		got, _ := json.MarshalIndent(job, "", " ")
		t.Fatalf("rewritten job:\n%s", got)
	}
	if len(changes) != 10 {
		t.Fatalf("%d changes, want 10: %+v", len(changes), changes)
	}
	for _, c := range changes {
		if c.Field == "job_clusters[].new_cluster.custom_tags.cost-center" && (c.Rule != 5 || c.From != "42" || c.To != "") {
			t.Fatalf("drop recorded as %+v", c)
		}
	}
	// Applying again changes nothing: rules are idempotent on their output.
	if again := rules.Apply(job); len(again) != 0 {
		t.Fatalf("second apply changed %+v", again)
	}
}

// A cluster policy's definition is keyed by the same dotted paths: a rule
// rewrites the element's value, default and allowed values.
func TestApplyToPolicyDefinition(t *testing.T) {
	rules, err := Compile([]Rule{
		{Field: "aws_attributes.instance_profile_arn", Prefix: map[string]string{"arn:aws:iam::1:": "arn:aws:iam::2:"}},
		{Field: "node_type_id", Map: map[string]string{"i3.xlarge": "i4i.xlarge"}},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	policy := doc(t, `{"name": "p", "definition": {
	  "aws_attributes.instance_profile_arn": {"type": "fixed", "value": "arn:aws:iam::1:instance-profile/x"},
	  "node_type_id": {"type": "allowlist", "values": ["i3.xlarge", "m5.large"], "defaultValue": "i3.xlarge"}}}`)
	rules.Apply(policy)
	want := doc(t, `{"name": "p", "definition": {
	  "aws_attributes.instance_profile_arn": {"type": "fixed", "value": "arn:aws:iam::2:instance-profile/x"},
	  "node_type_id": {"type": "allowlist", "values": ["i4i.xlarge", "m5.large"], "defaultValue": "i4i.xlarge"}}}`)
	if !reflect.DeepEqual(policy, want) {
		t.Fatalf("policy = %v", policy)
	}
}

// Kinds limits a rule to the resources it names.
func TestForSelectsByResource(t *testing.T) {
	rules, err := Compile([]Rule{
		{Field: "node_type_id", Kinds: []string{"clusters"}, Map: map[string]string{"a": "b"}},
		{Field: "spark_version", Set: str("15.4.x-scala2.12")},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rules.For("clusters").Len() != 2 || rules.For("jobs").Len() != 1 {
		t.Fatalf("for clusters %d, for jobs %d", rules.For("clusters").Len(), rules.For("jobs").Len())
	}
	var none *Rules
	if none.For("jobs") != nil || none.Apply(map[string]any{"a": "b"}) != nil {
		t.Fatal("nil rules must do nothing")
	}
}

// Bad rules are refused at load, each naming the rule's field.
func TestCompileRefusesBadRules(t *testing.T) {
	owned := func(f string) (string, bool) { return "a reference", f == "policy_id" }
	_, err := Compile([]Rule{
		{Field: "a", Map: map[string]string{"x": "y"}, Drop: true},
		{Field: "b"},
		{Field: "c", Regex: &Regex{Pattern: "(", Replace: ""}},
		{Field: "d", Map: map[string]string{}},
		{Field: "policy_id", Map: map[string]string{"x": "y"}},
		{Field: "e..f", Drop: true},
		{Field: "g", Prefix: map[string]string{"": "x"}},
	}, owned)
	for _, want := range []string{
		"rewrite[0]: more than one operation (map, drop)",
		"rewrite[1]: no operation",
		`rewrite[2].regex.pattern: bad pattern "("`,
		"rewrite[3].map: empty",
		"rewrite[4].field: policy_id is drsync's own (a reference)",
		`rewrite[5].field: bad key path "e..f"`,
		"rewrite[6].prefix: an empty prefix would match every value",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v\nlacks %q", err, want)
		}
	}
	var fe *FieldError
	if !errors.As(err, &fe) {
		t.Fatalf("errors are not *FieldError: %T", err)
	}
}

// A sync back from DR (while failed over) undoes the rules against the
// primary's document: every operation, the ones with no inverse too, puts
// the primary's value back where DR still holds the rewritten one, and a
// value changed in DR since is carried back as it is.
func TestUndoAgainstThePrimary(t *testing.T) {
	rules, err := Compile([]Rule{
		{Field: "node_type_id", Map: map[string]string{"r5.2xlarge": "r5.xlarge"}},
		{Field: "spark_version", Regex: &Regex{Pattern: `^15\.4\.x-cpu-ml-`, Replace: "15.4.x-"}},
		{Field: "custom_tags.dr", Set: str("yes")},
		{Field: "custom_tags.owner", Drop: true},
		{Field: "run_as.user_name", Map: map[string]string{"carol@example.com": "bob@example.com"}},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	primary := doc(t, `{"run_as": {"user_name": "carol@example.com"},
	  "job_clusters": [{"new_cluster": {"node_type_id": "r5.2xlarge", "spark_version": "15.4.x-cpu-ml-scala2.12",
	    "custom_tags": {"owner": "carol", "team": "ml"}}},
	                   {"new_cluster": {"node_type_id": "r5.2xlarge", "spark_version": "15.4.x-cpu-ml-scala2.12"}}]}`)
	dr := resource.Clone(primary)
	rules.Apply(dr)
	// In DR during the outage: the second cluster's node type changed by hand.
	dr["job_clusters"].([]any)[1].(map[string]any)["new_cluster"].(map[string]any)["node_type_id"] = "m5d.xlarge"
	back := resource.Clone(dr)
	undone := rules.Undo(back, primary)
	want := resource.Clone(primary)
	want["job_clusters"].([]any)[1].(map[string]any)["new_cluster"].(map[string]any)["node_type_id"] = "m5d.xlarge"
	if !reflect.DeepEqual(back, want) {
		got, _ := json.MarshalIndent(back, "", " ")
		t.Fatalf("undone:\n%s", got)
	}
	if len(undone) != 6 {
		t.Fatalf("%d values put back, want 6: %+v", len(undone), undone)
	}
	if again := rules.Undo(back, primary); len(again) != 0 {
		t.Fatalf("undoing twice changed %+v", again)
	}
}
