package main

import (
	"slices"
	"strings"
	"testing"
)

// Each function's role holds exactly the statements its needs imply: the
// ledger only on the table, GetSecretValue only on the two secrets, the
// audit-log read only under the prefix, replcheck's reads only of the bucket
// pairs, failover's publish only to the topic (with its key), logs only to
// its own group, its own DLQ, and X-Ray; sync gets no S3 at all.
func TestLeastPrivilegeStatements(t *testing.T) {
	s := exampleStack(t)
	p := s.stack.props
	ledger := obj{"Sid": "LedgerItems", "Effect": "Allow", "Action": ledgerActions, "Resource": getAtt("LedgerTable", "Arn")}
	secrets := obj{"Sid": "WorkspaceCredentials", "Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
		"Resource": slices.Sorted(slices.Values([]string{p.SourceSecretARN, p.TargetSecretARN}))} // the CDK sorts them
	auditLog := obj{"Sid": "AuditLogObjects", "Effect": "Allow", "Action": "s3:GetObject",
		"Resource": obj{"Fn::Join": []any{"", []any{"arn:", ref("AWS::Partition"),
			":s3:::example-databricks-audit-logs/audit-logs/workspaceId=1234567890123456/*"}}}}
	xray := obj{"Effect": "Allow", "Action": []any{"xray:PutTelemetryRecords", "xray:PutTraceSegments"}, "Resource": "*"}
	topic := []any{
		obj{"Sid": "PublishOutcome", "Effect": "Allow", "Action": "sns:Publish", "Resource": ref(logicalID(s.stack.alerts.topic))},
		obj{"Sid": "PublishOutcomeKey", "Effect": "Allow", "Action": []any{"kms:Decrypt", "kms:GenerateDataKey"},
			"Resource": getAtt(logicalID(s.stack.alerts.key), "Arn")},
	}
	for _, d := range s.stack.functions {
		own := []any{
			obj{"Effect": "Allow", "Action": []any{"logs:CreateLogStream", "logs:PutLogEvents"}, "Resource": getAtt(logicalID(d.logs), "Arn")},
		}
		if d.deadLtrs != nil {
			own = append(own, obj{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": getAtt(logicalID(d.deadLtrs), "Arn")})
		}
		own = append(own, xray)
		want := map[string][]any{
			"sync":      append([]any{ledger, secrets}, own...),
			"auditlog":  append([]any{ledger, secrets, auditLog}, own...),
			"replcheck": append(append([]any{ledger}, wantReplicationStatements()...), own...),
			"failover":  append(append([]any{ledger, secrets}, topic...), own...),
		}[d.spec.Name]
		assertJSON(t, d.spec.Name+" policy", s.roleStatements(t, logicalID(d.role)), want)
	}
}

// roleStatements returns the statements of every IAM policy attached to the
// role with logical id role.
func (s *synthesized) roleStatements(t *testing.T, role string) []any {
	t.Helper()
	var out []any
	for _, pol := range s.ofType("AWS::IAM::Policy") {
		props, _ := pol["Properties"].(map[string]any)
		if mustJSON(t, props["Roles"]) != mustJSON(t, []any{ref(role)}) {
			continue
		}
		doc, _ := props["PolicyDocument"].(map[string]any)
		stmts, _ := doc["Statement"].([]any)
		out = append(out, stmts...)
	}
	return out
}

// No identity policy in the stack grants a wildcard action or uses a managed
// policy, and '*' as a resource appears only for the X-Ray actions and
// (for the state machine) the log-delivery actions, which have no
// resource-level permissions.
func TestNoWildcardActions(t *testing.T) {
	s := exampleStack(t)
	for id, pol := range s.ofType("AWS::IAM::Policy") {
		props, _ := pol["Properties"].(map[string]any)
		doc, _ := props["PolicyDocument"].(map[string]any)
		stmts, _ := doc["Statement"].([]any)
		for _, st := range stmts {
			checkStatement(t, id, st.(map[string]any))
		}
	}
	for id, role := range s.ofType("AWS::IAM::Role") {
		props, _ := role["Properties"].(map[string]any)
		if props["ManagedPolicyArns"] != nil || props["Policies"] != nil {
			t.Errorf("role %s has managed or inline policies: %v %v", id, props["ManagedPolicyArns"], props["Policies"])
		}
	}
}

// logDeliveryActions are what Step Functions needs to deliver its logs,
// which AWS documents as supporting no resource-level permissions.
var logDeliveryActions = []string{
	"logs:CreateLogDelivery", "logs:DeleteLogDelivery", "logs:DescribeLogGroups", "logs:DescribeResourcePolicies",
	"logs:GetLogDelivery", "logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:UpdateLogDelivery",
}

// checkStatement reports a wildcard action, or a '*' resource for anything
// but X-Ray, in statement st of policy id.
func checkStatement(t *testing.T, id string, st map[string]any) {
	t.Helper()
	actions := strings.Fields(strings.NewReplacer(`"`, " ", "[", " ", "]", " ", ",", " ").Replace(mustJSON(t, st["Action"])))
	for _, a := range actions {
		if strings.Contains(a, "*") {
			t.Errorf("policy %s grants wildcard action %s", id, a)
		}
	}
	if st["Resource"] == "*" {
		for _, a := range actions {
			if !strings.HasPrefix(a, "xray:") && !slices.Contains(logDeliveryActions, a) {
				t.Errorf("policy %s grants %s on every resource", id, a)
			}
		}
	}
}
