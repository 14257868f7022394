package failure_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/databricks/databricks-sdk-go/apierr"

	"github.com/drsync/drsync/shared/awstest"
	"github.com/drsync/drsync/shared/failure"
	"github.com/drsync/drsync/shared/ledger"
)

// dynamoError is the error the real DynamoDB client returns, once its
// retries ran out, for a request DynamoDB answered with fault: the AWS SDK
// decodes a real HTTP answer, so the classification sees what a run sees.
func dynamoError(t *testing.T, fault awstest.Fault) error {
	t.Helper()
	proxy := awstest.NewProxy(t, "http://127.0.0.1:1") // every request is answered by a fault
	proxy.Inject(10, fault)
	client := dynamodb.New(dynamodb.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(proxy.URL()),
		Credentials:      aws.AnonymousCredentials{},
		RetryMaxAttempts: 1,
	})
	_, err := client.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: aws.String("t"),
		Key: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "pair#dev-to-dr"}}})
	if err == nil {
		t.Fatal("GetItem against a fault succeeded")
	}
	return fmt.Errorf("ledger state dev-to-dr: %w", err) // as the store wraps it
}

// A throttled or failing AWS call (the ledger's DynamoDB) is classified
// like a throttled or failing Databricks call, so the runbook's steps
// report ThrottledError and TransientError for the state machine to retry
// instead of failing the run: DynamoDB's throttling codes are Throttled, its
// 5xx Transient, a refused request Terminal.
func TestAWSErrorsAreClassified(t *testing.T) {
	for _, tt := range []struct {
		fault awstest.Fault
		want  failure.Class
	}{
		{awstest.DynamoDBError("ProvisionedThroughputExceededException", "rate exceeded"), failure.Throttled},
		{awstest.DynamoDBError("ThrottlingException", "slow down"), failure.Throttled},
		{awstest.Fault{Status: http.StatusInternalServerError, Body: `{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"oops"}`}, failure.Transient},
		{awstest.Fault{Status: http.StatusServiceUnavailable, Body: `{}`}, failure.Transient},
		{awstest.DynamoDBError("ResourceNotFoundException", "no table"), failure.Terminal},
		{awstest.DynamoDBError("AccessDeniedException", "no"), failure.Terminal},
	} {
		err := dynamoError(t, tt.fault)
		if got := failure.Of(err); got != tt.want {
			t.Errorf("HTTP %d %s: %s, want %s (%v)", tt.fault.Status, tt.fault.Body, got, tt.want, err)
		}
	}
}

// The classes that do not come from AWS keep their meaning.
func TestClassesOfDrsyncAndDatabricksErrors(t *testing.T) {
	for err, want := range map[error]failure.Class{
		fmt.Errorf("write: %w", ledger.ErrFenced):                               failure.Fenced,
		fmt.Errorf("run: %w", context.DeadlineExceeded):                         failure.Stopped,
		fmt.Errorf("create: %w", failure.ErrAmbiguous):                          failure.Ambiguous,
		&apierr.APIError{StatusCode: 502}:                                       failure.Transient,
		&apierr.APIError{StatusCode: 400, ErrorCode: "INVALID_PARAMETER_VALUE"}: failure.Terminal,
		errors.New("something else"):                                            failure.Terminal,
	} {
		if got := failure.Of(err); got != want {
			t.Errorf("Of(%v) = %s, want %s", err, got, want)
		}
	}
}
