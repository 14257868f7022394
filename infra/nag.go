package main

import (
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// suppression is one accepted cdk-nag finding with the reason it is accepted;
// appliesTo narrows it to the named findings of a rule (IAM5's resources).
func suppression(id, reason string, appliesTo ...string) *cdknag.NagPackSuppression {
	s := &cdknag.NagPackSuppression{Id: jsii.String(id), Reason: jsii.String(reason)}
	if len(appliesTo) > 0 {
		list := make([]any, len(appliesTo))
		for i, a := range appliesTo {
			list[i] = a
		}
		s.AppliesTo = &list
	}
	return s
}

// Accepted findings. Each names the exact wildcard it accepts, so a new
// wildcard in the same policy is still an error.
const (
	reasonXRay = "Tracing.ACTIVE adds xray:PutTraceSegments and xray:PutTelemetryRecords, " +
		"which support no resource-level permissions: '*' is the only resource IAM accepts for them."
	reasonRunbookLogs = "Step Functions delivers its logs with the CloudWatch Logs log-delivery actions (CreateLogDelivery and " +
		"the like), which support no resource-level permissions, and traces with xray:PutTraceSegments and friends, likewise."
	reasonRunbookInvoke = "The runbook invokes only the failover function; the CDK grants its ARN and ARN:* (its own versions " +
		"and aliases), and the tasks call the unqualified ARN."
	reasonAuditLog = "Audit-log object keys are only known when Databricks delivers them; the grant is " +
		"s3:GetObject alone, limited to the delivery prefix of the one audit-log bucket."
)

// suppressFindings records the accepted cdk-nag findings of s's functions on
// each function's role (applyToChildren reaches its default policy).
func suppressFindings(s *pairStack) {
	for _, d := range s.functions {
		sups := []*cdknag.NagPackSuppression{suppression("AwsSolutions-IAM5", reasonXRay, "Resource::*")}
		if d.spec.Needs&needAuditLog != 0 {
			sups = append(sups, suppression("AwsSolutions-IAM5", reasonAuditLog, "Resource::"+auditLogResourceFinding(s.props.AuditLog)))
		}
		cdknag.NagSuppressions_AddResourceSuppressions(d.role, &sups, jsii.Bool(true))
	}
	if s.runbook != nil {
		sups := []*cdknag.NagPackSuppression{
			suppression("AwsSolutions-IAM5", reasonRunbookLogs, "Resource::*"),
			suppression("AwsSolutions-IAM5", reasonRunbookInvoke, "Resource::<"+logicalID(s.failover().fn)+".Arn>:*"),
		}
		cdknag.NagSuppressions_AddResourceSuppressions(s.runbook.machine.Role(), &sups, jsii.Bool(true))
	}
}

// auditLogResourceFinding is how cdk-nag names the audit-log grant's resource.
func auditLogResourceFinding(a auditLogSource) string {
	return "arn:<AWS::Partition>:s3:::" + a.Bucket + "/" + a.Prefix + "*"
}
