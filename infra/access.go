package main

import (
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"
)

// ledgerActions are the item operations of the DynamoDB ledger store
// (shared/ledger/dynamo): GetItem, PutItem, UpdateItem and Query directly,
// and TransactWriteItems, which IAM authorises per item as PutItem,
// DeleteItem or ConditionCheckItem. Scan, the batch calls and the table
// administration calls are left out on purpose: every ledger read is a Query
// or GetItem under the pair's key, and the stack owns the table.
var ledgerActions = []string{
	"dynamodb:ConditionCheckItem",
	"dynamodb:DeleteItem",
	"dynamodb:GetItem",
	"dynamodb:PutItem",
	"dynamodb:Query",
	"dynamodb:UpdateItem",
}

// ledgerStatement allows the ledger actions on the ledger table only (it has
// no indexes, so no index ARN either).
func (s *pairStack) ledgerStatement() awsiam.PolicyStatement {
	return awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("LedgerItems"),
		Actions:   jsii.Strings(ledgerActions...),
		Resources: jsii.Strings(*s.table.TableArn()),
	})
}

// secretStatements allow reading the two credential secrets, by complete ARN,
// and, for a customer-managed key, decrypting through Secrets Manager only.
// DescribeSecret is not granted: the functions only fetch the value.
func (s *pairStack) secretStatements() []awsiam.PolicyStatement {
	arns := []string{s.props.SourceSecretARN, s.props.TargetSecretARN}
	stmts := []awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("WorkspaceCredentials"),
		Actions:   jsii.Strings("secretsmanager:GetSecretValue"),
		Resources: jsii.Strings(slices.Compact(slices.Clone(arns))...),
	})}
	if s.props.SecretsKeyARN == "" {
		return stmts
	}
	return append(stmts, awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("WorkspaceCredentialsKey"),
		Actions:   jsii.Strings("kms:Decrypt"),
		Resources: jsii.Strings(s.props.SecretsKeyARN),
		Conditions: &map[string]any{"StringEquals": map[string]any{
			"kms:ViaService": secretsManagerEndpoints(arns),
		}},
	}))
}

// secretsManagerEndpoints returns the Secrets Manager service names of the
// regions the secrets live in, which need not be the stack's (a DR stack may
// read the primary region's secrets).
func secretsManagerEndpoints(arns []string) []string {
	var out []string
	for _, arn := range arns {
		// arn:partition:secretsmanager:REGION:account:secret:name
		out = append(out, "secretsmanager."+strings.Split(arn, ":")[3]+".amazonaws.com")
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// auditLogStatement allows reading the delivered objects under the audit-log
// prefix, and nothing else in that bucket (no listing: each event names its
// object).
func (s *pairStack) auditLogStatement() awsiam.PolicyStatement {
	a := s.props.AuditLog
	return awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("AuditLogObjects"),
		Actions:   jsii.Strings("s3:GetObject"),
		Resources: jsii.Strings("arn:" + *awscdk.Aws_PARTITION() + ":s3:::" + a.Bucket + "/" + a.Prefix + "*"),
	})
}

// topicStatements allow publishing to the pair's topic, and the data key
// operations SNS makes with the publisher's rights on the topic's KMS key:
// GenerateDataKey to encrypt the message, Decrypt (AWS documents both).
func (s *pairStack) topicStatements() []awsiam.PolicyStatement {
	return []awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("PublishOutcome"),
		Actions:   jsii.Strings("sns:Publish"),
		Resources: jsii.Strings(*s.alerts.topic.TopicArn()),
	}), awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("PublishOutcomeKey"),
		Actions:   jsii.Strings("kms:Decrypt", "kms:GenerateDataKey"),
		Resources: jsii.Strings(*s.alerts.key.KeyArn()),
	})}
}
