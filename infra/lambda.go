package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/drsync/drsync/shared/config"
)

// deployedFunction is one function with what the alarms and the dashboard
// need of it.
type deployedFunction struct {
	spec     functionSpec
	scope    constructs.Construct
	fn       awslambda.Function
	role     awsiam.Role
	logs     awslogs.LogGroup
	deadLtrs awssqs.Queue // nil without an asynchronous trigger
}

// addFunction builds spec's function in its own construct: an explicit log
// group (so no log-retention custom resource), a role holding only the
// grants spec.Needs names, X-Ray, the config layer, and for an asynchronous
// trigger a DLQ that takes both EventBridge's undeliverable events and the
// function's failed invocations.
func (s *pairStack) addFunction(spec functionSpec) *deployedFunction {
	scope := constructs.NewConstruct(s.Stack, jsii.String(spec.Name))
	d := &deployedFunction{spec: spec, scope: scope, role: s.functionRole(scope, spec)}
	d.logs = awslogs.NewLogGroup(scope, jsii.String("Logs"), &awslogs.LogGroupProps{
		Retention:     retentionDays[s.props.LogRetentionDays],
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	d.logs.GrantWrite(d.role)
	if spec.Trigger != nil {
		d.deadLtrs = newDeadLetterQueue(scope, "DeadLetters")
	}
	d.fn = awslambda.NewFunction(scope, jsii.String("Function"), s.functionProps(spec, d))
	if spec.Trigger != nil {
		attachTrigger(scope, spec.Trigger, d.fn, d.deadLtrs)
	}
	s.functions = append(s.functions, d)
	return d
}

// functionProps returns the Lambda settings of spec: provided.al2023 on
// arm64 from the prebuilt bootstrap, never a Docker build.
func (s *pairStack) functionProps(spec functionSpec, d *deployedFunction) *awslambda.FunctionProps {
	props := &awslambda.FunctionProps{
		Description:  jsii.String(spec.Description),
		Runtime:      awslambda.Runtime_PROVIDED_AL2023(),
		Architecture: awslambda.Architecture_ARM_64(),
		Handler:      jsii.String("bootstrap"),
		Code:         awslambda.Code_FromAsset(jsii.String(bootstrapDir(s.assetRoot, spec.Name)), nil),
		MemorySize:   jsii.Number(spec.MemoryMB),
		Timeout:      seconds(spec.Timeout),
		Role:         d.role,
		LogGroup:     d.logs,
		Tracing:      awslambda.Tracing_ACTIVE,
		Layers:       &[]awslambda.ILayerVersion{s.configLayer},
		Environment:  s.environment(spec),
	}
	if spec.Singleton {
		props.ReservedConcurrentExecutions = jsii.Number(1)
	}
	if spec.Trigger != nil {
		props.DeadLetterQueue = d.deadLtrs
		props.RetryAttempts = jsii.Number(spec.AsyncRetries)
		props.MaxEventAge = seconds(spec.MaxEventAge)
	}
	return props
}

// environment returns spec's variables: names from shared/config, values
// that are names and ARNs only (the secrets are fetched at run time).
func (s *pairStack) environment(spec functionSpec) *map[string]*string {
	env := map[string]*string{
		config.EnvPair:     jsii.String(s.props.Pair),
		config.EnvConfig:   jsii.String(s.configFile),
		config.EnvLogLevel: jsii.String(s.props.LogLevel),
	}
	if spec.Needs&needLedger != 0 {
		env[config.EnvLedgerTable] = s.table.TableName()
	}
	if spec.Needs&needSecrets != 0 {
		env[config.EnvSourceSecretARN] = jsii.String(s.props.SourceSecretARN)
		env[config.EnvTargetSecretARN] = jsii.String(s.props.TargetSecretARN)
	}
	if spec.Needs&needTopic != 0 {
		env[config.EnvTopicARN] = s.alerts.topic.TopicArn()
	}
	return &env
}

// functionRole returns a role that Lambda can assume and that holds nothing
// but spec's grants. It deliberately has no AWSLambdaBasicExecutionRole: the
// log-group grant is scoped to the function's own group.
func (s *pairStack) functionRole(scope constructs.Construct, spec functionSpec) awsiam.Role {
	role := awsiam.NewRole(scope, jsii.String("Role"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String("drsync " + s.props.Pair + " " + spec.Name + " function"),
	})
	if spec.Needs&needLedger != 0 {
		role.AddToPolicy(s.ledgerStatement())
	}
	if spec.Needs&needSecrets != 0 {
		for _, st := range s.secretStatements() {
			role.AddToPolicy(st)
		}
	}
	if spec.Needs&needAuditLog != 0 {
		role.AddToPolicy(s.auditLogStatement())
	}
	if spec.Needs&needReplication != 0 {
		for _, st := range s.replicationStatements() {
			role.AddToPolicy(st)
		}
	}
	if spec.Needs&needTopic != 0 {
		for _, st := range s.topicStatements() {
			role.AddToPolicy(st)
		}
	}
	return role
}

// retentionDays maps the accepted retention periods to CDK's names.
var retentionDays = map[int]awslogs.RetentionDays{
	1: awslogs.RetentionDays_ONE_DAY, 3: awslogs.RetentionDays_THREE_DAYS,
	5: awslogs.RetentionDays_FIVE_DAYS, 7: awslogs.RetentionDays_ONE_WEEK,
	14: awslogs.RetentionDays_TWO_WEEKS, 30: awslogs.RetentionDays_ONE_MONTH,
	60: awslogs.RetentionDays_TWO_MONTHS, 90: awslogs.RetentionDays_THREE_MONTHS,
	120: awslogs.RetentionDays_FOUR_MONTHS, 150: awslogs.RetentionDays_FIVE_MONTHS,
	180: awslogs.RetentionDays_SIX_MONTHS, 365: awslogs.RetentionDays_ONE_YEAR,
	400: awslogs.RetentionDays_THIRTEEN_MONTHS, 545: awslogs.RetentionDays_EIGHTEEN_MONTHS,
	731: awslogs.RetentionDays_TWO_YEARS, 1096: awslogs.RetentionDays_THREE_YEARS,
	1827: awslogs.RetentionDays_FIVE_YEARS, 2192: awslogs.RetentionDays_SIX_YEARS,
	2557: awslogs.RetentionDays_SEVEN_YEARS, 2922: awslogs.RetentionDays_EIGHT_YEARS,
	3288: awslogs.RetentionDays_NINE_YEARS, 3653: awslogs.RetentionDays_TEN_YEARS,
}
