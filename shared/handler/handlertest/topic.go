package handlertest

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// Inbox is an SNS topic of the stack whose messages land, raw, in an SQS
// queue: what a notification test reads back.
type Inbox struct {
	// TopicARN is the topic to give the function (DRSYNC_TOPIC_ARN).
	TopicARN string
	queue    string
	sqs      *sqs.Client
}

// Inbox creates the stack's topic and its queue in moto.
func (s *Stack) Inbox(t testing.TB) *Inbox {
	t.Helper()
	ctx := context.Background()
	topic, err := sns.NewFromConfig(s.AWS).CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String(s.Table + "-notify")})
	if err != nil {
		t.Fatal(err)
	}
	q := sqs.NewFromConfig(s.AWS)
	queue, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(s.Table + "-inbox"),
		Attributes: map[string]string{"ReceiveMessageWaitTimeSeconds": "0"}})
	if err != nil {
		t.Fatal(err)
	}
	attrs, err := q.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: queue.QueueUrl,
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sns.NewFromConfig(s.AWS).Subscribe(ctx, &sns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("sqs"),
		Endpoint: aws.String(attrs.Attributes["QueueArn"]), Attributes: map[string]string{"RawMessageDelivery": "true"}}); err != nil {
		t.Fatal(err)
	}
	return &Inbox{TopicARN: *topic.TopicArn, queue: *queue.QueueUrl, sqs: q}
}

// Messages receives the messages delivered since the last call (at most 10).
func (i *Inbox) Messages(t testing.TB) []string {
	t.Helper()
	got, err := i.sqs.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{
		QueueUrl: aws.String(i.queue), MaxNumberOfMessages: 10})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range got.Messages {
		out = append(out, *m.Body)
	}
	return out
}
