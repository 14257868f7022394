package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/drsync/drsync/shared/config"
)

// alerting is the pair's alarm topic and every alarm that notifies it.
type alerting struct {
	key    awskms.Key
	topic  awssns.Topic
	action awscloudwatch.IAlarmAction
	alarms []awscloudwatch.Alarm
}

// newAlerting creates the alarm topic, encrypted with its own rotating key
// (CloudWatch cannot publish to a topic under the AWS-managed aws/sns key),
// TLS-only, with the e-mail subscriptions of p.
func newAlerting(scope constructs.Construct, p *pairProps) *alerting {
	key := awskms.NewKey(scope, jsii.String("AlarmTopicKey"), &awskms.KeyProps{
		Description:       jsii.String("drsync " + p.Pair + ": encrypts the alarm topic"),
		EnableKeyRotation: jsii.Bool(true),
		RemovalPolicy:     awscdk.RemovalPolicy_DESTROY,
	})
	// The statement AWS documents for alarms on encrypted topics, without
	// conditions: the service does not promise to pass the alarm as source
	// through SNS to KMS, and only this stack's topic uses the key.
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("CloudWatchAlarmsEncrypt"),
		Principals: &[]awsiam.IPrincipal{cloudWatch()},
		Actions:    jsii.Strings("kms:Decrypt", "kms:GenerateDataKey"),
		Resources:  jsii.Strings("*"),
	}), nil)
	topic := awssns.NewTopic(scope, jsii.String("AlarmTopic"), &awssns.TopicProps{
		DisplayName: jsii.String("drsync " + p.Pair + " alarms"),
		MasterKey:   key,
		EnforceSSL:  jsii.Bool(true),
	})
	topic.AddToResourcePolicy(alarmsMayPublish(topic))
	for _, e := range p.AlarmEmails {
		topic.AddSubscription(awssnssubscriptions.NewEmailSubscription(jsii.String(e), nil))
	}
	return &alerting{key: key, topic: topic, action: awscloudwatchactions.NewSnsAction(topic)}
}

// cloudWatch is the CloudWatch service principal, which sends alarm actions.
func cloudWatch() awsiam.IPrincipal {
	return awsiam.NewServicePrincipal(jsii.String("cloudwatch.amazonaws.com"), nil)
}

// alarmsMayPublish lets this account's CloudWatch alarms, and nothing else
// through the service, publish to topic.
func alarmsMayPublish(topic awssns.ITopic) awsiam.PolicyStatement {
	return awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("CloudWatchAlarmsPublish"),
		Principals: &[]awsiam.IPrincipal{cloudWatch()},
		Actions:    jsii.Strings("sns:Publish"),
		Resources:  jsii.Strings(*topic.TopicArn()),
		Conditions: &map[string]any{
			"StringEquals": map[string]any{"aws:SourceAccount": awscdk.Aws_ACCOUNT_ID()},
			"ArnLike": map[string]any{"aws:SourceArn": "arn:" + *awscdk.Aws_PARTITION() + ":cloudwatch:" +
				*awscdk.Aws_REGION() + ":" + *awscdk.Aws_ACCOUNT_ID() + ":alarm:*"},
		},
	})
}

// alarm creates an alarm in scope that notifies the topic when it fires and
// when it recovers.
func (a *alerting) alarm(scope constructs.Construct, id string, props *awscloudwatch.AlarmProps) awscloudwatch.Alarm {
	al := awscloudwatch.NewAlarm(scope, jsii.String(id), props)
	al.AddAlarmAction(a.action)
	al.AddOkAction(a.action)
	a.alarms = append(a.alarms, al)
	return al
}

// anyOf fires when metric reaches 1 in one period: an error, a failed run,
// a dead letter. No data means nothing happened.
func anyOf(metric awscloudwatch.IMetric, description string) *awscloudwatch.AlarmProps {
	return &awscloudwatch.AlarmProps{
		Metric:             metric,
		Threshold:          jsii.Number(1),
		ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
		EvaluationPeriods:  jsii.Number(1),
		TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
		AlarmDescription:   jsii.String(description),
	}
}

// addFunctionAlarms alarms on d's errors and, when it has one, on a
// non-empty DLQ.
func (a *alerting) addFunctionAlarms(d *deployedFunction) {
	name := d.spec.Name
	a.alarm(d.scope, "Errors", anyOf(
		d.fn.MetricErrors(&awscloudwatch.MetricOptions{Period: seconds(alarmPeriod), Statistic: jsii.String("Sum")}),
		fmt.Sprintf("The %s function returned an error. Its log group has the run id and the cause.", name)))
	if d.deadLtrs == nil {
		return
	}
	a.alarm(d.scope, "DeadLettersVisible", anyOf(
		d.deadLtrs.MetricApproximateNumberOfMessagesVisible(&awscloudwatch.MetricOptions{Period: seconds(alarmPeriod), Statistic: jsii.String("Maximum")}),
		fmt.Sprintf("An event for %s was given up on and sits in its dead-letter queue. Fix the cause, then re-invoke %s with the message body.", name, name)))
}

// addRunAlarms alarms on failed runs and on staleness: no successful run for
// p.StaleAfter, which is also what a function that no longer runs at all
// looks like (missing data counts as breaching).
func (a *alerting) addRunAlarms(scope constructs.Construct, p *pairProps) {
	a.alarm(scope, "RunFailed", anyOf(pairMetric(p, config.MetricRunFailed, "Sum"),
		"A drsync run of pair "+p.Pair+" failed. The function logs say why."))
	periods := jsii.Number(float64(p.StaleAfter.Duration / alarmPeriod))
	a.alarm(scope, "Stale", &awscloudwatch.AlarmProps{
		Metric:             pairMetric(p, config.MetricRunSucceeded, "Sum"),
		Threshold:          jsii.Number(1),
		ComparisonOperator: awscloudwatch.ComparisonOperator_LESS_THAN_THRESHOLD,
		EvaluationPeriods:  periods,
		DatapointsToAlarm:  periods,
		TreatMissingData:   awscloudwatch.TreatMissingData_BREACHING,
		AlarmDescription: jsii.String(fmt.Sprintf(
			"No successful drsync run of pair %s for %s: the DR copy is getting stale.", p.Pair, short(p.StaleAfter.Duration))),
	})
}

// short writes d without zero tails: 1h rather than 1h0m0s.
func short(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// pairMetric is one of the functions' EMF metrics for pair p, per alarm period.
func pairMetric(p *pairProps, name, statistic string) awscloudwatch.Metric {
	return awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
		Namespace:     jsii.String(config.MetricNamespace),
		MetricName:    jsii.String(name),
		DimensionsMap: &map[string]*string{config.MetricDimensionPair: jsii.String(p.Pair)},
		Statistic:     jsii.String(statistic),
		Period:        seconds(alarmPeriod),
	})
}
