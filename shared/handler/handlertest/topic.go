package handlertest

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/drsync/drsync/shared/fixture"
)

// Topic is an SNS topic whose notifications land, raw, in an SQS queue a
// test reads back: what the runbook notifies through.
type Topic struct {
	ARN   string
	queue string
	cfg   aws.Config
}

// NewTopic creates the topic name (and its queue, name-inbox) where cfg
// points, moto.
func NewTopic(t fixture.T, cfg aws.Config, name string) *Topic {
	t.Helper()
	ctx := context.Background()
	topic, err := sns.NewFromConfig(cfg).CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	q := sqs.NewFromConfig(cfg)
	queue, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name + "-inbox"),
		Attributes: map[string]string{"ReceiveMessageWaitTimeSeconds": "0"}})
	if err != nil {
		t.Fatal(err)
	}
	attrs, err := q.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: queue.QueueUrl,
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sns.NewFromConfig(cfg).Subscribe(ctx, &sns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("sqs"),
		Endpoint: aws.String(attrs.Attributes["QueueArn"]), Attributes: map[string]string{"RawMessageDelivery": "true"}}); err != nil {
		t.Fatal(err)
	}
	return &Topic{ARN: *topic.TopicArn, queue: *queue.QueueUrl, cfg: cfg}
}

// Messages are the notifications the topic delivered since the last call.
func (tp *Topic) Messages(t fixture.T) []string {
	t.Helper()
	got, err := sqs.NewFromConfig(tp.cfg).ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{
		QueueUrl: aws.String(tp.queue), MaxNumberOfMessages: 10})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range got.Messages {
		out = append(out, *m.Body)
	}
	return out
}
