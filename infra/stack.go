package main

import (
	"path/filepath"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3assets"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// pairStack is the stack of one workspace pair while it is being composed.
type pairStack struct {
	awscdk.Stack
	props     *pairProps
	assetRoot string
	table     awsdynamodb.Table
	// configLayer puts the pair's sync config at configFile in every function.
	configLayer awslambda.LayerVersion
	configFile  string
	alerts      *alerting
	functions   []*deployedFunction
}

// newPairStack composes the stack of pair p in scope: ledger, config layer,
// alarm topic, one function per spec with its trigger and DLQ, the alarms, the
// dashboard and the outputs an operator needs. The functions' bootstraps must
// exist under assetRoot (checkAssets).
func newPairStack(scope constructs.Construct, p *pairProps, assetRoot string) *pairStack {
	s := &pairStack{props: p, assetRoot: assetRoot}
	s.Stack = awscdk.NewStack(scope, jsii.String(p.stackName()), &awscdk.StackProps{
		Description: jsii.String("drsync: warm Databricks DR for pair " + p.Pair),
		Env:         environment(p),
	})
	// Dashboards take tags only in CloudFormation's newest schema, which
	// cfn-lint 1.51 rejects (E3002); a dashboard costs too little to tag.
	awscdk.Tags_Of(s.Stack).Add(jsii.String("drsync:pair"), jsii.String(p.Pair), &awscdk.TagProps{
		ExcludeResourceTypes: jsii.Strings("AWS::CloudWatch::Dashboard"),
	})
	s.table = newLedgerTable(s.Stack)
	s.addConfigLayer()
	s.alerts = newAlerting(s.Stack, p)
	for _, spec := range functionSpecs(p) {
		s.alerts.addFunctionAlarms(s.addFunction(spec))
	}
	s.alerts.addRunAlarms(s.Stack, p)
	s.addReplicationChecks()
	s.addDashboard()
	s.addOutputs()
	suppressFindings(s)
	return s
}

// environment pins the stack's account and region when the props name them.
func environment(p *pairProps) *awscdk.Environment {
	if p.Account == "" && p.Region == "" {
		return nil
	}
	env := &awscdk.Environment{}
	if p.Account != "" {
		env.Account = jsii.String(p.Account)
	}
	if p.Region != "" {
		env.Region = jsii.String(p.Region)
	}
	return env
}

// addConfigLayer packages the pair's sync config file, and nothing else of
// its folder, as a layer: Lambda unpacks layers under /opt, where
// DRSYNC_CONFIG points. A changed config publishes a new layer version and
// updates the functions with it.
func (s *pairStack) addConfigLayer() {
	dir, base := filepath.Split(s.props.configPath)
	s.configFile = "/opt/" + base
	s.configLayer = awslambda.NewLayerVersion(s.Stack, jsii.String("SyncConfig"), &awslambda.LayerVersionProps{
		Description: jsii.String("drsync " + s.props.Pair + ": sync config " + base),
		Code: awslambda.Code_FromAsset(jsii.String(dir), &awss3assets.AssetOptions{
			Exclude: jsii.Strings("*", "!"+base),
		}),
		CompatibleArchitectures: &[]awslambda.Architecture{awslambda.Architecture_ARM_64()},
		CompatibleRuntimes:      &[]awslambda.Runtime{awslambda.Runtime_PROVIDED_AL2023()},
	})
}

// addOutputs exports what the runbook and the README commands refer to.
func (s *pairStack) addOutputs() {
	out := func(id string, value *string, desc string) {
		awscdk.NewCfnOutput(s.Stack, jsii.String(id), &awscdk.CfnOutputProps{Value: value, Description: jsii.String(desc)})
	}
	out("LedgerTableName", s.table.TableName(), "DynamoDB ledger table")
	out("AlarmTopicArn", s.alerts.topic.TopicArn(), "SNS topic of every alarm")
	for _, d := range s.functions {
		out(d.spec.Name+"FunctionName", d.fn.FunctionName(), "Lambda function "+d.spec.Name)
		if d.deadLtrs != nil {
			out(d.spec.Name+"DeadLetterQueueUrl", d.deadLtrs.QueueUrl(), "dead-letter queue of "+d.spec.Name)
		}
	}
}
