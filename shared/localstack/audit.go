//go:build linux

package localstack

import (
	"encoding/base64"
	"strconv"

	"github.com/databricks/databricks-sdk-go/service/jobs"
	"github.com/databricks/databricks-sdk-go/service/workspace"

	"github.com/drsync/drsync/shared/fixture"
	"github.com/drsync/drsync/shared/handler/handlertest"
)

// The sample-estate objects DeliverChanges edits in the source.
const (
	ChangedNotebook = "/Users/carol@example.com/churn-model/train_model"
	ChangedJob      = "nightly-orders"
)

// DeliverChanges edits ChangedNotebook (its source now prints "retrained")
// and ChangedJob (4 concurrent runs) in the source, delivers the audit-log
// records Databricks would write for that, plus a read that changes
// nothing, to the stack's bucket as object name, and returns the S3 event
// announcing the object and the records' lines.
func (s *Stack) DeliverChanges(t fixture.T, name string) (event []byte, lines []string) {
	t.Helper()
	lines = s.changeSource(t)
	key := handlertest.AuditKey(handlertest.SourceWorkspaceID, name)
	s.PutAuditObject(t, key, lines...)
	return handlertest.ObjectCreated(t, s.Bucket, key), lines
}

// changeSource makes DeliverChanges' changes and returns their records.
func (s *Stack) changeSource(t fixture.T) []string {
	t.Helper()
	ctx := t.Context()
	err := s.SourceAPI.Workspace.Import(ctx, workspace.Import{Path: ChangedNotebook, Format: workspace.ImportFormatSource,
		Language: workspace.LanguagePython, Overwrite: true, Content: base64.StdEncoding.EncodeToString([]byte("print('retrained')"))})
	if err != nil {
		t.Fatal(err)
	}
	id := s.Seed.JobID(ChangedJob)
	if err := s.SourceAPI.Jobs.Update(ctx, jobs.UpdateJob{JobId: id, NewSettings: &jobs.JobSettings{MaxConcurrentRuns: 4}}); err != nil {
		t.Fatal(err)
	}
	jobID := strconv.FormatInt(id, 10)
	return []string{
		handlertest.AuditRecord{Service: "notebook", Action: "modifyNotebook", Params: map[string]string{"path": ChangedNotebook}}.Line(),
		handlertest.AuditRecord{Service: "jobs", Action: "update", Params: map[string]string{"job_id": jobID}}.Line(),
		handlertest.AuditRecord{Service: "notebook", Action: "runCommand", Params: map[string]string{"notebookId": "7"}}.Line(),
	}
}
