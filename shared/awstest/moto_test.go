package awstest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

func TestMain(m *testing.M) {
	if os.Getenv(orphanChildEnv) == "1" {
		orphanChild() // never returns
	}
	Main(m)
}

// Every test of a binary shares one server, and its URL answers moto's API.
func TestStartSharesOneServer(t *testing.T) {
	a, b := Start(t), Start(t)
	if a != b {
		t.Fatal("two Starts in one binary started two servers")
	}
	if StartupTime() <= 0 {
		t.Errorf("StartupTime = %s after Start", StartupTime())
	}
	t.Logf("moto_server ready in %s", StartupTime())
	resp, err := http.Get(a.URL() + "/moto-api/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET /moto-api/ = %d", resp.StatusCode)
	}
}

// Stop (a command's Main) stops the shared server, its port closes, and the
// next Start starts another.
func TestStopThenStartAgain(t *testing.T) {
	first := Start(t)
	if err := Stop(); err != nil {
		t.Fatal(err)
	}
	if err := Stop(); err != nil {
		t.Errorf("a second Stop: %v", err)
	}
	if resp, err := http.Get(first.URL() + "/moto-api/"); err == nil {
		resp.Body.Close()
		t.Errorf("the stopped server's proxy still answers: HTTP %d", resp.StatusCode)
	}
	if again := Start(t); again == first {
		t.Error("Start after Stop returned the stopped server")
	}
}

// Config talks to moto with the real SDK, and Reset wipes what was created.
func TestConfigAndReset(t *testing.T) {
	m := Start(t)
	client := dynamodb.NewFromConfig(m.Config(t))
	if err := createTable(t, client, "reset-me"); err != nil {
		t.Fatal(err)
	}
	m.Reset(t)
	out, err := client.ListTables(t.Context(), &dynamodb.ListTablesInput{})
	if err != nil || len(out.TableNames) != 0 {
		t.Errorf("ListTables after Reset = %v, %v; want none", out, err)
	}
}

func createTable(t *testing.T, client *dynamodb.Client, name string) error {
	t.Helper()
	_, err := client.CreateTable(t.Context(), &dynamodb.CreateTableInput{
		TableName:            &name,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
		BillingMode:          types.BillingModePayPerRequest,
	})
	return err
}

// The proxy's faults reach the SDK as AWS's would: a throttle is retried and
// then the call succeeds; a fault after forwarding means moto did the work
// (the SDK's resent CreateTable finds the table it created).
func TestProxyFaults(t *testing.T) {
	m := Start(t)
	p := NewProxy(t, m.URL())
	client := dynamodb.NewFromConfig(ConfigAt(t, p.URL()))

	throttle := DynamoDBError("ProvisionedThroughputExceededException", "slow down")
	throttle.Operation = "ListTables"
	p.Inject(2, throttle)
	if _, err := client.ListTables(t.Context(), &dynamodb.ListTablesInput{}); err != nil {
		t.Errorf("ListTables after 2 throttles: %v", err)
	}
	if got := p.Calls("ListTables"); got != 3 {
		t.Errorf("ListTables reached the proxy %d times, want 3", got)
	}

	p.Inject(1, Fault{Operation: "CreateTable", Status: 500, Body: `{"__type":"InternalServerError"}`, AfterForward: true})
	err := createTable(t, client, "created-once")
	var inUse *types.ResourceInUseException
	if !errors.As(err, &inUse) || p.Calls("CreateTable") != 2 {
		t.Errorf("CreateTable with a lost response = %v after %d calls; want ResourceInUseException after 2",
			err, p.Calls("CreateTable"))
	}
}

// Without moto_server on PATH a test is skipped with the install command, or
// failed when DRSYNC_REQUIRE_MOTO=1 (CI), never run against nothing.
func TestMissingMoto(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	for _, require := range []string{"", "1"} {
		t.Setenv(EnvRequireMoto, require)
		var r outcome
		r.run(func(tb testing.TB) { Start(tb) }, t)
		want := "skip"
		if require == "1" {
			want = "fatal"
		}
		if r.how != want || !strings.Contains(r.msg, InstallHint) {
			t.Errorf("%s=%q: Start did %s %q; want %s naming %q", EnvRequireMoto, require, r.how, r.msg, want, InstallHint)
		}
	}
}

// outcome records how a function given a testing.TB ended.
type outcome struct {
	testing.TB
	how, msg string
}

func (o *outcome) Helper() {}
func (o *outcome) Skip(args ...any) {
	o.how, o.msg = "skip", fmt.Sprint(args...)
	runtime.Goexit()
}

func (o *outcome) Fatalf(format string, args ...any) {
	o.how, o.msg = "fatal", fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// run calls fn with o as its TB in a goroutine of its own, so Skip and Fatalf
// can end it as the testing package would.
func (o *outcome) run(fn func(testing.TB), t *testing.T) {
	o.TB, o.how = t, "return"
	var wg sync.WaitGroup
	wg.Go(func() { fn(o) })
	wg.Wait()
}

// orphanChildEnv makes the test binary play a test binary that dies without
// stopping its server: see TestNoOrphanAfterCrash.
const orphanChildEnv = "AWSTEST_ORPHAN_CHILD"

// orphanChild starts a moto_server, prints its pid and exits at once, as a
// test binary does that panics, times out or is killed.
func orphanChild() {
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		fmt.Println("no moto_server:", err)
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	m, err := start(ctx, bin)
	cancel()
	if err != nil {
		fmt.Println(err)
		os.Exit(2)
	}
	fmt.Println(m.cmd.Process.Pid)
	os.Exit(0)
}

// A long poll waiting in moto does not hold the serializer's slot: other
// requests go on meanwhile (else one SQS consumer in a test stalls every
// other test of the binary for up to 20 s). The poll can only end with the
// message sent after ListTables (or its 20 s wait), so ListTables finishing
// first proves it did not queue behind the poll.
func TestLongPollDoesNotBlock(t *testing.T) {
	m := Start(t)
	queue := sqsCall(t, m.URL(), "CreateQueue", `{"QueueName":"long-poll"}`)["QueueUrl"]
	received := make(chan map[string]any, 1)
	go func() {
		received <- sqsCall(t, m.URL(), "ReceiveMessage", fmt.Sprintf(`{"QueueUrl":%q,"WaitTimeSeconds":20}`, queue))
	}()
	select { // the poll is on its way to moto, past the serializer
	case <-m.front.polls:
	case <-time.After(time.Minute):
		t.Fatal("the long poll never reached the serializer as a long poll")
	}

	if _, err := dynamodb.NewFromConfig(m.Config(t)).ListTables(t.Context(), &dynamodb.ListTablesInput{}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-received:
		t.Fatal("ListTables finished only after the long poll ended: it waited for the poll")
	default:
	}
	sqsCall(t, m.URL(), "SendMessage", fmt.Sprintf(`{"QueueUrl":%q,"MessageBody":"hi"}`, queue))
	if msgs, _ := (<-received)["Messages"].([]any); len(msgs) != 1 {
		t.Errorf("the long poll got %d messages, want 1", len(msgs))
	}
}

// sqsCall sends one SQS JSON-protocol request (go.mod has no SQS client) and
// returns its decoded answer. moto routes by the signing scope, not the
// signature, so a syntactically valid Authorization header is enough.
func sqsCall(t *testing.T, endpoint, op, body string) map[string]any {
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, endpoint+"/", strings.NewReader(body))
	if err != nil {
		t.Error(err)
		return nil
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", "AmazonSQS."+op)
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Error(err)
		return nil
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("SQS %s: HTTP %d, %v", op, resp.StatusCode, err)
	}
	return out
}
