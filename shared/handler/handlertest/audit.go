package handlertest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/drsync/drsync/shared/fixture"
)

// AuditRecord is one audit-log record to deliver, in the shape Databricks
// writes (reference databricks-api.md §5.2); zero fields get defaults.
type AuditRecord struct {
	Service, Action string
	Params          map[string]string
	// Result is response.result, a JSON document as text; "" is null.
	Result string
	// Status is response.statusCode; 0 means 200.
	Status int
	// UserAgent defaults to a browser's.
	UserAgent string
	// WorkspaceID defaults to the source's.
	WorkspaceID int64
}

// requests numbers the generated request ids.
var requests atomic.Int64

// Line renders r as one JSON Lines record.
func (r AuditRecord) Line() string {
	n := requests.Add(1)
	rec := map[string]any{
		"version": "2.0", "auditLevel": "WORKSPACE_LEVEL",
		"timestamp":   time.Now().UnixMilli() + n, // distinct per record
		"orgId":       strconv.FormatInt(or(r.WorkspaceID, SourceWorkspaceID), 10),
		"workspaceId": or(r.WorkspaceID, SourceWorkspaceID),
		"shardName":   "example-shard", "accountId": "6f0c2a1e-1b2c-4d5e-9f00-1a2b3c4d5e6f",
		"sourceIPAddress": "203.0.113.24",
		"userAgent":       orStr(r.UserAgent, "Mozilla/5.0 (X11; Linux x86_64) Chrome/128.0.0.0 Safari/537.36"),
		"sessionId":       "ephemeral-3f1c7d2e-8a4b-4c6d-9e0f-112233445566",
		"userIdentity":    map[string]any{"email": "alice@example.com", "subjectName": nil},
		"serviceName":     r.Service, "actionName": r.Action,
		"requestId":              fmt.Sprintf("ServiceMain-%012x", n),
		"requestParams":          r.Params,
		"response":               map[string]any{"statusCode": or(int64(r.Status), 200), "errorMessage": nil, "result": nullable(r.Result)},
		"MAX_LOG_MESSAGE_LENGTH": 16384,
	}
	b, err := json.Marshal(rec)
	if err != nil {
		panic(err) // maps of plain values always marshal
	}
	return string(b)
}

func or(v, def int64) int64 {
	if v == 0 {
		return def
	}
	return v
}

func orStr(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// AuditKey is where Databricks delivers an audit-log object of workspace id.
func AuditKey(workspaceID int64, name string) string {
	return fmt.Sprintf("audit-logs/workspaceId=%d/date=%s/auditlogs_%s.json",
		workspaceID, time.Now().UTC().Format(time.DateOnly), name)
}

// PutAuditObject writes lines as one delivered object at key in the bucket.
func (s *Stack) PutAuditObject(t fixture.T, key string, lines ...string) {
	t.Helper()
	body := strings.Join(lines, "\n") + "\n"
	if _, err := s.S3.PutObject(context.Background(), &s3.PutObjectInput{
		Bucket: &s.Bucket, Key: &key, Body: strings.NewReader(body),
	}); err != nil {
		t.Fatalf("put s3://%s/%s: %v", s.Bucket, key, err)
	}
}

// ModuleRoot is the module's folder: the nearest one holding go.mod at or
// above the working directory (a package folder during go test, the
// module's folder for `go run ./cmd/...`).
func ModuleRoot(t fixture.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("handlertest: no go.mod above the working directory")
		}
		dir = parent
	}
}

// EventsDir is the module's events/ folder.
func EventsDir(t fixture.T) string {
	t.Helper()
	return filepath.Join(ModuleRoot(t), "events")
}

// Event returns the payload events/<name> holds.
func Event(t fixture.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(EventsDir(t), name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// ObjectCreated returns events/s3-object-created.json for bucket and key.
func ObjectCreated(t fixture.T, bucket, key string) []byte {
	t.Helper()
	var ev map[string]any
	if err := json.Unmarshal(Event(t, "s3-object-created.json"), &ev); err != nil {
		t.Fatal(err)
	}
	detail := ev["detail"].(map[string]any)
	detail["bucket"].(map[string]any)["name"] = bucket
	detail["object"].(map[string]any)["key"] = key
	ev["resources"] = []string{"arn:aws:s3:::" + bucket}
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
