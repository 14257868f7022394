package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// ledgerTTLAttribute is the item attribute (epoch seconds) after which
// DynamoDB deletes run records and processed-object marks. It must match the
// name the DynamoDB ledger store writes.
const ledgerTTLAttribute = "expires_at"

// ledgerLogicalID pins the table's CloudFormation logical id, so moving or
// renaming the construct can never make CloudFormation replace the table.
const ledgerLogicalID = "LedgerTable"

// newLedgerTable returns the pair's ledger: one table with string keys pk/sk,
// on-demand, point-in-time recovery, TTL, KMS encryption, deletion
// protection, and kept when the stack is deleted or the table replaced.
func newLedgerTable(scope constructs.Construct) awsdynamodb.Table {
	t := awsdynamodb.NewTable(scope, jsii.String("Ledger"), &awsdynamodb.TableProps{
		PartitionKey: &awsdynamodb.Attribute{Name: jsii.String("pk"), Type: awsdynamodb.AttributeType_STRING},
		SortKey:      &awsdynamodb.Attribute{Name: jsii.String("sk"), Type: awsdynamodb.AttributeType_STRING},
		BillingMode:  awsdynamodb.BillingMode_PAY_PER_REQUEST,
		PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{
			PointInTimeRecoveryEnabled: jsii.Bool(true),
		},
		TimeToLiveAttribute: jsii.String(ledgerTTLAttribute),
		Encryption:          awsdynamodb.TableEncryption_AWS_MANAGED,
		DeletionProtection:  jsii.Bool(true),
		RemovalPolicy:       awscdk.RemovalPolicy_RETAIN,
	})
	t.Node().DefaultChild().(awscdk.CfnResource).OverrideLogicalId(jsii.String(ledgerLogicalID))
	return t
}
