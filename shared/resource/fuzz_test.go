package resource

import (
	"testing"
)

// FuzzNormalizeRoundTrip protects the normaliser against any document an API
// may return: it never panics, its hash is deterministic, and a document sent
// back to the target (Denormalize) normalises to what it came from — otherwise
// every run would see drift that is not there.
func FuzzNormalizeRoundTrip(f *testing.F) {
	for _, seed := range []string{
		`{"job_id": 1, "timeout_seconds": 0, "tasks": [{"task_key": "b", "run_job_task": {"job_id": 2}}, {"task_key": "a", "existing_cluster_id": "c"}]}`,
		`{"tags": {"drsync-source": "9"}, "queue": {"enabled": true}, "tasks": [{"notebook_task": {"notebook_path": "/x"}}]}`,
		`{"tasks": [{"run_job_task": {"job_id": "not-a-number"}}]}`,
		`{"tasks": null, "email_notifications": {}, "x": [1, {"y": []}]}`,
	} {
		f.Add([]byte(seed))
	}
	identity := func(_, id string) (string, bool) { return id, true }
	back := func(r Ref) (string, bool) { return r.Key, true }
	f.Fuzz(func(t *testing.T, data []byte) {
		raw, err := ToDoc(data)
		if err != nil {
			return
		}
		n := jobLike.Normalize(raw, identity)
		if Hash(n.Doc) != Hash(jobLike.Normalize(raw, identity).Doc) {
			t.Fatal("hash is not deterministic")
		}
		wire, err := jobLike.Denormalize(n.Doc, "k", back)
		if err != nil {
			return // a reference the target cannot take is reported, not sent
		}
		again := jobLike.Normalize(wire, identity)
		if Hash(again.Doc) != Hash(n.Doc) {
			t.Fatalf("round trip changed the document:\n first %v\nsecond %v", n.Doc, again.Doc)
		}
	})
}
