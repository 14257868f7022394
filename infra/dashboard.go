package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/interfaces/interfacesawscloudwatch"
	"github.com/aws/jsii-runtime-go"

	"github.com/drsync/drsync/shared/config"
)

// addDashboard shows the pair's DR health at a glance: every alarm's state
// on top, then the runs, then the functions and their dead letters.
func (s *pairStack) addDashboard() awscloudwatch.Dashboard {
	p := s.props
	return awscloudwatch.NewDashboard(s.Stack, jsii.String("Dashboard"), &awscloudwatch.DashboardProps{
		DashboardName: jsii.String("drsync-" + p.Pair + "-" + *awscdk.Aws_REGION()),
		Widgets: &[]*[]awscloudwatch.IWidget{
			{s.healthWidget(), s.totalsWidget()},
			{
				graph("Runs per 5 minutes", 12,
					pairMetric(p, config.MetricRunSucceeded, "Sum"), pairMetric(p, config.MetricRunFailed, "Sum")),
				graph("Failed actions and drift per 5 minutes", 12,
					pairMetric(p, config.MetricActionsFailed, "Sum"), pairMetric(p, config.MetricDriftFound, "Sum")),
			},
			{
				graph("Function errors", 8, s.functionMetrics(func(d *deployedFunction) awscloudwatch.IMetric {
					return d.fn.MetricErrors(&awscloudwatch.MetricOptions{Statistic: jsii.String("Sum"), Label: jsii.String(d.spec.Name)})
				})...),
				graph("Function duration (max)", 8, s.functionMetrics(func(d *deployedFunction) awscloudwatch.IMetric {
					return d.fn.MetricDuration(&awscloudwatch.MetricOptions{Statistic: jsii.String("Maximum"), Label: jsii.String(d.spec.Name)})
				})...),
				graph("Dead letters waiting", 8, s.functionMetrics(func(d *deployedFunction) awscloudwatch.IMetric {
					if d.deadLtrs == nil {
						return nil
					}
					return d.deadLtrs.MetricApproximateNumberOfMessagesVisible(&awscloudwatch.MetricOptions{
						Statistic: jsii.String("Maximum"), Label: jsii.String(d.spec.Name)})
				})...),
			},
			s.replicationRow(),
		},
	})
}

// healthWidget lists every alarm with its state, alarms first.
func (s *pairStack) healthWidget() awscloudwatch.IWidget {
	alarms := make([]interfacesawscloudwatch.IAlarmRef, 0, len(s.alerts.alarms))
	for _, a := range s.alerts.alarms {
		alarms = append(alarms, a)
	}
	return awscloudwatch.NewAlarmStatusWidget(&awscloudwatch.AlarmStatusWidgetProps{
		Title:  jsii.String("DR health: pair " + s.props.Pair),
		Alarms: &alarms,
		SortBy: awscloudwatch.AlarmStatusWidgetSortBy_STATE_UPDATED_TIMESTAMP,
		Width:  jsii.Number(16),
		Height: jsii.Number(6),
	})
}

// totalsWidget sums the run metrics over the dashboard's time range.
func (s *pairStack) totalsWidget() awscloudwatch.IWidget {
	p := s.props
	return awscloudwatch.NewSingleValueWidget(&awscloudwatch.SingleValueWidgetProps{
		Title: jsii.String("Totals over the time range"),
		Metrics: &[]awscloudwatch.IMetric{
			pairMetric(p, config.MetricRunSucceeded, "Sum"), pairMetric(p, config.MetricRunFailed, "Sum"),
			pairMetric(p, config.MetricActionsFailed, "Sum"), pairMetric(p, config.MetricDriftFound, "Sum"),
		},
		SetPeriodToTimeRange: jsii.Bool(true),
		Width:                jsii.Number(8),
		Height:               jsii.Number(6),
	})
}

// functionMetrics returns metric(d) for every function, skipping nils.
func (s *pairStack) functionMetrics(metric func(*deployedFunction) awscloudwatch.IMetric) []awscloudwatch.IMetric {
	var out []awscloudwatch.IMetric
	for _, d := range s.functions {
		if m := metric(d); m != nil {
			out = append(out, m)
		}
	}
	return out
}

// graph is a time-series widget of width grid columns (the grid has 24).
func graph(title string, width float64, metrics ...awscloudwatch.IMetric) awscloudwatch.IWidget {
	return awscloudwatch.NewGraphWidget(&awscloudwatch.GraphWidgetProps{
		Title:  jsii.String(title),
		Left:   &metrics,
		Width:  jsii.Number(width),
		Height: jsii.Number(6),
	})
}
