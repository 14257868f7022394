package awsconn_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"

	"github.com/drsync/drsync/shared/awsconn"
	"github.com/drsync/drsync/shared/awstest"
)

// Publish delivers subject and message to the topic's subscribers (an SQS
// queue here); a topic that does not exist is the SDK's error with SNS's
// code.
func TestTopicPublish(t *testing.T) {
	t.Parallel()
	cfg := awstest.Start(t).Config(t)
	ctx := t.Context()
	topic, err := sns.NewFromConfig(cfg).CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("drsync-notify")})
	if err != nil {
		t.Fatal(err)
	}
	q := sqs.NewFromConfig(cfg)
	queue, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("inbox")})
	if err != nil {
		t.Fatal(err)
	}
	attrs, err := q.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: queue.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sns.NewFromConfig(cfg).Subscribe(ctx, &sns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("sqs"),
		Endpoint: aws.String(attrs.Attributes["QueueArn"])}); err != nil {
		t.Fatal(err)
	}
	pub, err := awsconn.NewTopic(cfg, *topic.TopicArn)
	if err != nil {
		t.Fatal(err)
	}
	body := "failover of p: done\nsteps: 7 — é"
	if err := pub.Publish(ctx, "drsync failover\nof p: done", body); err != nil {
		t.Fatal(err)
	}
	got, err := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: queue.QueueUrl, WaitTimeSeconds: 2})
	if err != nil || len(got.Messages) != 1 {
		t.Fatalf("received %+v, %v; want one message", got, err)
	}
	// Not raw delivery: the queue holds SNS's envelope with both fields.
	var env struct{ Subject, Message string }
	if err := json.Unmarshal([]byte(*got.Messages[0].Body), &env); err != nil || env.Subject != "drsync failover of p: done" || env.Message != body {
		t.Errorf("delivered %s (%v); want the subject on one line and the message as sent", *got.Messages[0].Body, err)
	}

	gone, _ := awsconn.NewTopic(cfg, *topic.TopicArn+"-gone")
	err = gone.Publish(ctx, "s", "m")
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != "NotFound" || !strings.Contains(err.Error(), "Publish") {
		t.Errorf("missing topic: %v, want the API error NotFound", err)
	}
	if _, err := awsconn.NewTopic(cfg, "drsync-notify"); err == nil {
		t.Error("a topic name instead of an ARN was accepted")
	}
}
