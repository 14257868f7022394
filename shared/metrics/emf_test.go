package metrics

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/drsync/drsync/shared/config"
)

// An EMF line declares every metric it carries under the drsync namespace with
// the Pair dimension, and carries the values and properties at the top level —
// the shape CloudWatch Logs extracts metrics from.
func TestEmitWritesEMF(t *testing.T) {
	var buf bytes.Buffer
	e := New(&buf, "dev-to-dr")
	e.now = func() time.Time { return time.UnixMilli(1700000000000) }
	err := e.Emit(map[string]Value{
		config.MetricRunSucceeded: {1, Count},
		RunDuration:               {1234, Milliseconds},
	}, map[string]any{"runId": "r-1"})
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		AWS struct {
			Timestamp         int64
			CloudWatchMetrics []struct {
				Namespace  string
				Dimensions [][]string
				Metrics    []struct{ Name, Unit string }
			}
		} `json:"_aws"`
		Pair         string
		RunSucceeded float64
		RunDuration  float64
		RunID        string `json:"runId"`
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("%v: %s", err, buf.String())
	}
	cw := doc.AWS.CloudWatchMetrics
	if doc.AWS.Timestamp != 1700000000000 || len(cw) != 1 || cw[0].Namespace != "drsync" ||
		len(cw[0].Dimensions) != 1 || cw[0].Dimensions[0][0] != "Pair" || len(cw[0].Metrics) != 2 {
		t.Fatalf("bad EMF envelope: %s", buf.String())
	}
	if doc.Pair != "dev-to-dr" || doc.RunSucceeded != 1 || doc.RunDuration != 1234 || doc.RunID != "r-1" {
		t.Fatalf("bad values: %s", buf.String())
	}
	if bytes.Count(buf.Bytes(), []byte("\n")) != 1 {
		t.Fatal("one document must be exactly one line")
	}
}
