package auditlog

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
)

// maxMalformedLines caps the line numbers a Summary keeps.
const maxMalformedLines = 20

// Summary counts what one or more objects held. Records = Relevant + Ignored;
// Unresolved is part of Relevant and Unknown, Failed, Own and Foreign are
// parts of Ignored. Malformed lines are not records.
type Summary struct {
	Records   int `json:"records"`
	Relevant  int `json:"relevant"`
	Ignored   int `json:"ignored"`
	Malformed int `json:"malformed"`

	Unresolved int `json:"unresolved"`
	Unknown    int `json:"unknown"`
	Failed     int `json:"failed"`
	Own        int `json:"own"`
	Foreign    int `json:"foreign"`

	// MalformedLines are the first malformed line numbers (at most 20).
	MalformedLines []int `json:"malformed_lines,omitempty"`
}

// Add counts one record of class c.
func (s *Summary) Add(c Class) {
	s.Records++
	if c == Relevant || c == Unresolved {
		s.Relevant++
	} else {
		s.Ignored++
	}
	switch c {
	case Unresolved:
		s.Unresolved++
	case Unknown:
		s.Unknown++
	case Failed:
		s.Failed++
	case Own:
		s.Own++
	case Foreign:
		s.Foreign++
	}
}

// AddMalformed counts one malformed line.
func (s *Summary) AddMalformed(line int) {
	s.Malformed++
	if len(s.MalformedLines) < maxMalformedLines {
		s.MalformedLines = append(s.MalformedLines, line)
	}
}

// Merge adds the counts of o (one more object) to s.
func (s *Summary) Merge(o Summary) {
	s.Records += o.Records
	s.Relevant += o.Relevant
	s.Ignored += o.Ignored
	s.Malformed += o.Malformed
	s.Unresolved += o.Unresolved
	s.Unknown += o.Unknown
	s.Failed += o.Failed
	s.Own += o.Own
	s.Foreign += o.Foreign
	for _, n := range o.MalformedLines {
		if len(s.MalformedLines) == maxMalformedLines {
			break
		}
		s.MalformedLines = append(s.MalformedLines, n)
	}
}

// Entry is one classified record.
type Entry struct {
	Record *Record
	Keys   []Key // set only when Class is Relevant
	Class  Class
}

// checkEvery is how many lines Scan reads between looks at its context.
const checkEvery = 1024

// Scan reads one object from r, classifies every record with o and calls fn
// with each, in order. Malformed lines are counted in the Summary and
// skipped. It stops soon after ctx is done, even inside a run of blank or
// over-long lines: r is read through ctx, so at most one read buffer (64
// KiB of input) is consumed after that. Errors: ctx's error, the reader's
// fatal errors (wrapped), or fn's error, returned as is; the Summary then
// counts what was read so far.
func Scan(ctx context.Context, r io.Reader, o Options, fn func(Entry) error) (Summary, error) {
	var sum Summary
	rd, err := NewReader(ctxReader{ctx: ctx, r: r})
	if err != nil && ctx.Err() != nil {
		return sum, ctx.Err()
	}
	if err != nil {
		return sum, err
	}
	for n := 0; ; n++ {
		if n%checkEvery == 0 && ctx.Err() != nil {
			return sum, ctx.Err()
		}
		rec, err := rd.Next()
		var le *LineError
		switch {
		case errors.Is(err, io.EOF):
			return sum, nil
		case errors.As(err, &le):
			sum.AddMalformed(le.Line)
			continue
		case err != nil && ctx.Err() != nil:
			return sum, ctx.Err()
		case err != nil:
			return sum, err
		}
		keys, class := o.Classify(rec)
		sum.Add(class)
		if err := fn(Entry{Record: rec, Keys: keys, Class: class}); err != nil {
			return sum, err
		}
	}
}

// ctxReader reads r until ctx is done, then fails with ctx's error. The
// Reader skips blank and over-long lines in loops of its own that never
// return to Scan; every one of them reads, so this is where they stop.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// PartitionWorkspaceID returns the workspace id of a delivered object's key
// (".../workspaceId=<id>/date=<yyyy-mm-dd>/auditlogs_<n>.json"), for routing
// records that carry no id of their own. Account-level objects give "0".
// Errors: the key has no workspaceId= segment.
func PartitionWorkspaceID(objectKey string) (string, error) {
	for seg := range strings.SplitSeq(objectKey, "/") {
		if id, ok := strings.CutPrefix(seg, "workspaceId="); ok && id != "" {
			return id, nil
		}
	}
	return "", fmt.Errorf("audit-log object %q: no workspaceId= partition in its key", objectKey)
}
