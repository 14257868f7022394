package crrtest

import (
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
)

// inventorySchema is the CSV schema the bench's reports use: what a check
// needs, in the order S3 writes those fields.
const inventorySchema = "Bucket, Key, Size, LastModifiedDate, ETag, ReplicationStatus"

// WriteInventory delivers an S3 Inventory report of bucket's current objects
// and their replication statuses, as of the clock's time, to
// s3://dest/prefix/<bucket>/<config>/ (CSV, gzip, one data file per 1000
// objects) and returns that location. dest must exist.
func (b *Bench) WriteInventory(t testing.TB, bucket, dest, prefix, config string) string {
	t.Helper()
	at := b.Clock.Now()
	base := fmt.Sprintf("%s/%s/%s/", prefix, bucket, config)
	var files []map[string]string
	rows, n := &bytes.Buffer{}, 0
	flush := func() {
		key := fmt.Sprintf("%sdata/%d.csv.gz", base, len(files))
		b.putRaw(t, dest, key, gzipped(t, rows.Bytes()))
		files = append(files, map[string]string{"key": key})
		rows.Reset()
	}
	w := csv.NewWriter(rows)
	for _, o := range b.objects(t, bucket) {
		_ = w.Write([]string{bucket, url.QueryEscape(o.Key), strconv.FormatInt(o.Size, 10),
			o.LastModified.Time.UTC().Format(time.RFC3339), o.ETag, b.Status(bucket, o.Key)})
		if n++; n%1000 == 0 {
			w.Flush()
			flush()
		}
	}
	w.Flush()
	if rows.Len() > 0 || len(files) == 0 {
		flush()
	}
	manifest, _ := json.Marshal(map[string]any{
		"sourceBucket": bucket, "destinationBucket": "arn:aws:s3:::" + dest, "version": "2016-11-30",
		"creationTimestamp": strconv.FormatInt(at.UnixMilli(), 10), "fileFormat": "CSV",
		"fileSchema": inventorySchema, "files": files,
	})
	b.putRaw(t, dest, base+at.Format("2006-01-02T15-04Z")+"/manifest.json", manifest)
	return "s3://" + dest + "/" + strings.TrimSuffix(base, "/")
}

// objects lists bucket's current objects from the backend.
func (b *Bench) objects(t testing.TB, bucket string) []*gofakes3.Content {
	t.Helper()
	list, err := b.svc.backend.ListBucket(bucket, nil, gofakes3.ListBucketPage{})
	if err != nil {
		t.Fatalf("crrtest: list %s: %v", bucket, err)
	}
	return list.Contents
}

// putRaw stores an object that replication must not see (a report).
func (b *Bench) putRaw(t testing.TB, bucket, key string, body []byte) {
	t.Helper()
	b.svc.touch(bucket)
	meta := map[string]string{"Last-Modified": b.Clock.Now().Format("Mon, 02 Jan 2006 15:04:05 GMT")}
	if _, err := b.svc.backend.PutObject(bucket, key, meta, bytes.NewReader(body), int64(len(body)), nil); err != nil {
		t.Fatalf("crrtest: put s3://%s/%s: %v", bucket, key, err)
	}
}

func gzipped(t testing.TB, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
