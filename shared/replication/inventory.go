package replication

import (
	"cmp"
	"compress/gzip"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// manifest is the part of an S3 Inventory manifest.json a check reads.
type manifest struct {
	SourceBucket      string `json:"sourceBucket"`
	DestinationBucket string `json:"destinationBucket"` // an ARN
	FileFormat        string `json:"fileFormat"`
	FileSchema        string `json:"fileSchema"`
	CreationTimestamp string `json:"creationTimestamp"` // epoch milliseconds
	Files             []struct {
		Key string `json:"key"`
	} `json:"files"`
}

// reportFolder is the name S3 Inventory gives each delivery's folder.
var reportFolder = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}Z/$`)

// inventory classifies the source objects from the latest S3 Inventory
// report (CSV with the ReplicationStatus field), a file at a time, and
// returns the tally including from's. When ctx ends it records the files
// done in from. Errors: no report, a report that is not CSV, lacks a field
// or names another bucket, a file that cannot be read.
func (c *Checker) inventory(ctx context.Context, p Pair, from *Progress) (Tally, error) {
	api, err := c.client(ctx, p.Inventory.Bucket)
	if err != nil {
		return Tally{}, err
	}
	fresh := from.Manifest == ""
	if fresh {
		if from.Manifest, err = latestManifest(ctx, api, *p.Inventory); err != nil {
			return Tally{}, err
		}
	}
	m, err := readManifest(ctx, api, p, from.Manifest)
	if err != nil {
		return Tally{}, err
	}
	r, err := newReport(m, p, c.opts.SampleSize)
	if err != nil {
		return Tally{}, fmt.Errorf("inventory s3://%s/%s: %w", p.Inventory.Bucket, from.Manifest, err)
	}
	if fresh {
		from.Findings = append(from.Findings, finding(SeverityInfo, CodeInventory,
			"objects classified from the S3 Inventory report of %s (s3://%s/%s): ages are taken at the report's time; DR is not listed, so differences and extra objects are not checked",
			r.at.Format(time.RFC3339), p.Inventory.Bucket, from.Manifest))
	}
	t := from.Tally
	dest := strings.TrimPrefix(m.DestinationBucket, "arn:aws:s3:::")
	for ; from.FilesDone < len(m.Files); from.FilesDone++ {
		if err := ctx.Err(); err != nil {
			return t, err
		}
		ft, err := r.file(ctx, api, dest, m.Files[from.FilesDone].Key)
		if err != nil {
			return t, err
		}
		t.Add(ft, c.opts.SampleSize)
	}
	return t, nil
}

// latestManifest finds the newest delivery folder under loc and returns its
// manifest key. Errors: the listing fails, or there is no delivery.
func latestManifest(ctx context.Context, api API, loc Location) (string, error) {
	prefix := strings.TrimSuffix(loc.Prefix, "/") + "/"
	pages := s3.NewListObjectsV2Paginator(api, &s3.ListObjectsV2Input{
		Bucket: &loc.Bucket, Prefix: &prefix, Delimiter: aws.String(delimiter),
	})
	latest := ""
	for pages.HasMorePages() {
		out, err := pages.NextPage(ctx)
		if err != nil {
			return "", fmt.Errorf("list inventory reports under %s: %w", loc, err)
		}
		for _, cp := range out.CommonPrefixes {
			if name := strings.TrimPrefix(aws.ToString(cp.Prefix), prefix); reportFolder.MatchString(name) && name > latest {
				latest = name
			}
		}
	}
	if latest == "" {
		return "", fmt.Errorf("no S3 Inventory report under %s (want folders like 2026-01-05T01-00Z/)", loc)
	}
	return prefix + latest + "manifest.json", nil
}

// readManifest reads and checks a manifest. Errors: unreadable, not CSV, or
// for another source bucket.
func readManifest(ctx context.Context, api API, p Pair, key string) (manifest, error) {
	var m manifest
	out, err := api.GetObject(ctx, &s3.GetObjectInput{Bucket: &p.Inventory.Bucket, Key: &key})
	if err != nil {
		return m, fmt.Errorf("read inventory manifest s3://%s/%s: %w", p.Inventory.Bucket, key, err)
	}
	defer func() { _ = out.Body.Close() }()
	if err := json.NewDecoder(out.Body).Decode(&m); err != nil {
		return m, fmt.Errorf("inventory manifest s3://%s/%s: %w", p.Inventory.Bucket, key, err)
	}
	switch {
	case m.FileFormat != "CSV":
		return m, fmt.Errorf("inventory manifest s3://%s/%s: format %q; only CSV reports are read", p.Inventory.Bucket, key, m.FileFormat)
	case m.SourceBucket != p.Source.Bucket:
		return m, fmt.Errorf("inventory manifest s3://%s/%s is for bucket %q, not %q", p.Inventory.Bucket, key, m.SourceBucket, p.Source.Bucket)
	}
	return m, nil
}

// report reads the rows of one inventory report.
type report struct {
	pair   Pair
	at     time.Time
	col    map[string]int
	sample int
}

// newReport reads the manifest's schema. Errors: a required field missing.
func newReport(m manifest, p Pair, sample int) (*report, error) {
	ms, err := strconv.ParseInt(m.CreationTimestamp, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("creationTimestamp %q: %w", m.CreationTimestamp, err)
	}
	r := &report{pair: p, at: time.UnixMilli(ms).UTC(), col: map[string]int{}, sample: sample}
	for i, f := range strings.Split(m.FileSchema, ",") {
		r.col[strings.TrimSpace(f)] = i
	}
	for _, need := range []string{"Key", "Size", "LastModifiedDate", "ReplicationStatus"} {
		if _, ok := r.col[need]; !ok {
			return nil, fmt.Errorf("the report lacks the %s field: add it to the inventory configuration", need)
		}
	}
	return r, nil
}

// file tallies one gzip CSV file of the report. Errors: read or parse
// failures, naming the file and line.
func (r *report) file(ctx context.Context, api API, bucket, key string) (Tally, error) {
	var t Tally
	out, err := api.GetObject(ctx, &s3.GetObjectInput{Bucket: &bucket, Key: &key})
	if err != nil {
		return t, fmt.Errorf("read inventory file s3://%s/%s: %w", bucket, key, err)
	}
	defer func() { _ = out.Body.Close() }()
	zr, err := gzip.NewReader(out.Body)
	if err != nil {
		return t, fmt.Errorf("inventory file s3://%s/%s: %w", bucket, key, err)
	}
	rows := csv.NewReader(zr)
	rows.ReuseRecord = true
	for line := 1; ; line++ {
		row, err := rows.Read()
		if errors.Is(err, io.EOF) {
			return t, nil
		}
		if err == nil {
			err = r.row(&t, row)
		}
		if err != nil {
			return t, fmt.Errorf("inventory file s3://%s/%s line %d: %w", bucket, key, line, err)
		}
		if line%1000 == 0 && ctx.Err() != nil {
			return t, ctx.Err()
		}
	}
}

// row classifies one current object of the report by its replication
// status and its age at the report's time.
func (r *report) row(t *Tally, row []string) error {
	if r.skip(row) {
		return nil
	}
	key, err := url.QueryUnescape(row[r.col["Key"]])
	if err != nil || !strings.HasPrefix(key, r.pair.Source.Prefix) {
		return err
	}
	status := strings.ToUpper(row[r.col["ReplicationStatus"]])
	if status == StatusCompleted || status == "REPLICA" {
		t.Matched++
		return nil
	}
	size, err := strconv.ParseInt(row[r.col["Size"]], 10, 64)
	if err != nil {
		return fmt.Errorf("size %q: %w", row[r.col["Size"]], err)
	}
	modified, err := time.Parse(time.RFC3339, row[r.col["LastModifiedDate"]])
	if err != nil {
		return fmt.Errorf("last modified %q: %w", row[r.col["LastModifiedDate"]], err)
	}
	r.unreplicated(t, key, size, modified, cmp.Or(status, StatusNone))
	return nil
}

// skip reports a row that is not a current object (all-versions reports).
func (r *report) skip(row []string) bool {
	for field, want := range map[string]string{"IsLatest": "false", "IsDeleteMarker": "true"} {
		if i, ok := r.col[field]; ok && strings.EqualFold(row[i], want) {
			return true
		}
	}
	return false
}

func (r *report) unreplicated(t *Tally, key string, size int64, modified time.Time, status string) {
	age := r.at.Sub(modified)
	o := Object{Key: key, Class: ClassInFlight, Size: size, LastModified: modified,
		AgeSeconds: int64(age / time.Second), ReplicationStatus: status}
	if age > r.pair.RPO {
		o.Class = ClassMissing
		t.Missing++
	} else {
		t.InFlight++
	}
	t.unreplicated(modified)
	t.countStatus(status)
	if o.Class == ClassMissing || status == StatusFailed {
		t.sample(o, r.sample)
	}
}
