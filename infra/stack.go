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
	runbook     *runbookMachine
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
		d := s.addFunction(spec)
		s.alerts.addFunctionAlarms(d)
		if spec.Name == failoverName {
			s.addRunbook(d)
		}
	}
	s.guardPrimaryRegion()
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

// guardPrimaryRegion makes CloudFormation refuse to deploy an
// environment-agnostic stack into the primary workspace's region, which the
// synth could not check (checkRegion checks a pinned region, or the CLI's).
func (s *pairStack) guardPrimaryRegion() {
	primary := s.props.syncConfig().Source.Region
	if primary == "" || s.props.Region != "" || s.props.AllowPrimaryRegion {
		return
	}
	awscdk.NewCfnRule(s.Stack, jsii.String("NotInPrimaryRegion"), &awscdk.CfnRuleProps{
		Assertions: &[]*awscdk.CfnRuleAssertion{{
			Assert: awscdk.Fn_ConditionNot(awscdk.Fn_ConditionEquals(awscdk.Aws_REGION(), jsii.String(primary))),
			AssertDescription: jsii.String("drsync " + s.props.Pair + " must not run in " + primary +
				", the primary workspace's region: deploy it in the DR region, or set allowPrimaryRegion on the pair"),
		}},
	})
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
	out("AlarmTopicArn", s.alerts.topic.TopicArn(), "SNS topic of every alarm and of the runbook's outcome")
	out("RunbookStateMachineArn", s.runbook.machine.StateMachineArn(),
		"failover/failback runbook: start an execution with events/failover-input.json or failback-input.json")
	for _, d := range s.functions {
		out(d.spec.Name+"FunctionName", d.fn.FunctionName(), "Lambda function "+d.spec.Name)
		if d.deadLtrs != nil {
			out(d.spec.Name+"DeadLetterQueueUrl", d.deadLtrs.QueueUrl(), "dead-letter queue of "+d.spec.Name)
		}
	}
}

// logicalID is the CloudFormation logical id of c's default resource.
func logicalID(c constructs.IConstruct) string {
	el := c.Node().DefaultChild().(awscdk.CfnElement)
	return *awscdk.Stack_Of(c).GetLogicalId(el)
}

// failover is the failover function (nil before addFunction made it).
func (s *pairStack) failover() *deployedFunction {
	for _, d := range s.functions {
		if d.spec.Name == failoverName {
			return d
		}
	}
	return nil
}
