package handlertest

import (
	"context"
	"encoding/json"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/drsync/drsync/shared/fixture"
)

// Invoke runs fn through the Lambda library's own JSON handling, as the
// runtime does, with a request id and a deadline, and decodes its summary.
func Invoke[T any](t fixture.T, fn any, payload []byte, requestID string, timeout time.Duration) (T, error) {
	t.Helper()
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: requestID})
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var sum T
	out, err := lambda.NewHandler(fn).Invoke(ctx, payload)
	if err != nil {
		return sum, err
	}
	if err := json.Unmarshal(out, &sum); err != nil {
		t.Fatalf("summary is not JSON: %v\n%s", err, out)
	}
	return sum, nil
}

// Metric reads one metric value of an EMF document, checking it is declared
// under the drsync namespace with the Pair dimension only (what the stack's
// alarms look for).
func Metric(t fixture.T, doc map[string]any, name string) float64 {
	t.Helper()
	aws := doc["_aws"].(map[string]any)
	cw := aws["CloudWatchMetrics"].([]any)[0].(map[string]any)
	if cw["Namespace"] != "drsync" {
		t.Fatalf("namespace %v", cw["Namespace"])
	}
	dims, _ := json.Marshal(cw["Dimensions"])
	if string(dims) != `[["Pair"]]` || doc["Pair"] != Pair {
		t.Fatalf("dimensions %s, Pair %v", dims, doc["Pair"])
	}
	declared := false
	for _, m := range cw["Metrics"].([]any) {
		declared = declared || m.(map[string]any)["Name"] == name
	}
	v, ok := doc[name].(float64)
	if !declared || !ok {
		t.Fatalf("metric %s missing from %v", name, doc)
	}
	return v
}
