// Package auditlog turns Databricks audit-log objects (as delivered to S3) into
// the resource keys an incremental sync must reconcile.
//
// A delivered object is JSON Lines, one record per line, plain or (defensively)
// gzip. Reader streams it in constant memory and yields each record or a
// *LineError for a line that is not one; Classify maps a record to resource
// keys; Scan does both for a whole object and counts what it saw in a Summary.
//
// Databricks overwrites delivered objects with more lines later, so the same
// record arrives more than once: Record.ID is the identity a caller marks
// processed in the ledger to act on each record once.
package auditlog

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Record is one audit-log record, with the loosely typed wire values
// (numbers or strings for ids, JSON held in strings) already made plain.
type Record struct {
	// Line is the record's 1-based line number in its object.
	Line      int
	Version   string
	Timestamp int64 // epoch milliseconds, UTC
	// WorkspaceID is the record's workspaceId and OrgID its orgId, as
	// strings ("" when absent). Workspace picks the one to route by.
	WorkspaceID string
	OrgID       string
	ServiceName string
	ActionName  string
	RequestID   string
	UserAgent   string
	UserEmail   string // userIdentity.email
	// Params are requestParams. Values are strings; a value that arrived as
	// another JSON type holds its compact JSON text. Look keys up with Param,
	// which ignores case (Databricks' key casing is not stable).
	Params       map[string]string
	StatusCode   int
	ErrorMessage string
	// Result is response.result: a JSON document as text ("" for null).
	Result string
}

// Workspace is the id of the workspace the record belongs to: workspaceId,
// else orgId, else "".
func (r *Record) Workspace() string {
	if r.WorkspaceID != "" {
		return r.WorkspaceID
	}
	return r.OrgID
}

// Param returns the request parameter named name, matched without regard to
// case, and whether it was present. An exact match wins; among several keys
// that differ only by case, the smallest key (byte order) wins, so the answer
// never depends on map order.
func (r *Record) Param(name string) (string, bool) {
	if v, ok := r.Params[name]; ok {
		return v, true
	}
	best, found := "", false
	for k := range r.Params {
		if strings.EqualFold(k, name) && (!found || k < best) {
			best, found = k, true
		}
	}
	return r.Params[best], found
}

// ID is the record's deduplication identity: a SHA-256 (hex) of requestId,
// timestamp, serviceName, actionName and a hash of requestParams. The same
// record delivered again (Databricks rewrites objects with more lines) has
// the same ID; two records of one request (request and response) differ in
// timestamp or parameters. Fixed length, so it fits any ledger key.
func (r *Record) ID() string {
	buf := make([]byte, 0, 256)
	buf = appendField(buf, r.RequestID)
	buf = appendField(buf, strconv.FormatInt(r.Timestamp, 10))
	buf = appendField(buf, r.ServiceName)
	buf = appendField(buf, r.ActionName)
	params := r.paramsHash()
	sum := sha256.Sum256(append(buf, params[:]...))
	return hex.EncodeToString(sum[:])
}

// paramsHash hashes the parameters in key order, each field length-prefixed
// so that no two different maps encode alike.
func (r *Record) paramsHash() [sha256.Size]byte {
	keys := make([]string, 0, len(r.Params))
	size := 0
	for k, v := range r.Params {
		keys = append(keys, k)
		size += 16 + len(k) + len(v)
	}
	slices.Sort(keys)
	buf := make([]byte, 0, size)
	for _, k := range keys {
		buf = appendField(appendField(buf, k), r.Params[k])
	}
	return sha256.Sum256(buf)
}

// appendField appends s with its length in front.
func appendField(buf []byte, s string) []byte {
	return append(binary.BigEndian.AppendUint64(buf, uint64(len(s))), s...)
}

// Errors a *LineError wraps, besides the JSON decoder's own.
var (
	// ErrLineTooLong: the line exceeds MaxLine bytes.
	ErrLineTooLong = errors.New("line too long")
	// ErrNotRecord: valid JSON, but not an audit record (no serviceName or
	// actionName, or a number out of range).
	ErrNotRecord = errors.New("not an audit-log record")
)

// wire is a record as delivered. encoding/json already matches the top-level
// keys without regard to case and skips unknown keys. Fields that are ids, or
// JSON documents, take any JSON type (text); names are plain strings.
type wire struct {
	Version       string          `json:"version"`
	Timestamp     json.Number     `json:"timestamp"`
	OrgID         text            `json:"orgId"`
	WorkspaceID   text            `json:"workspaceId"`
	ServiceName   string          `json:"serviceName"`
	ActionName    string          `json:"actionName"`
	RequestID     text            `json:"requestId"`
	UserAgent     string          `json:"userAgent"`
	UserIdentity  *identity       `json:"userIdentity"`
	RequestParams map[string]text `json:"requestParams"`
	Response      *response       `json:"response"`
}

type identity struct {
	Email string `json:"email"`
}

type response struct {
	StatusCode   json.Number `json:"statusCode"`
	ErrorMessage string      `json:"errorMessage"`
	Result       text        `json:"result"`
}

// text is a value kept as a string whatever its JSON type: a string as is,
// null as "", anything else as its compact JSON text (ids arrive as numbers or
// strings; a result may arrive as an object instead of a JSON string).
type text string

func (t *text) UnmarshalJSON(b []byte) error {
	*t = text(plain(b))
	return nil
}

// plain renders one JSON value as text (see text).
func plain(b []byte) string {
	switch {
	case len(b) == 0 || string(b) == "null":
		return ""
	case b[0] == '"' && bytes.IndexByte(b, '\\') < 0:
		// No escapes: the bytes between the quotes are the string.
		return string(b[1 : len(b)-1])
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err == nil {
			return s
		}
	case b[0] == '{' || b[0] == '[':
		var buf bytes.Buffer
		if err := json.Compact(&buf, b); err == nil {
			return buf.String()
		}
	}
	return string(b)
}

// decode parses one line into a Record. Errors: ErrNotRecord, or the JSON
// decoder's error for text that is not JSON or not shaped like a record
// (requestParams, response or userIdentity not objects, a timestamp that is
// not a number).
func decode(line []byte, n int) (*Record, error) {
	var w wire
	if err := json.Unmarshal(line, &w); err != nil {
		return nil, err
	}
	if w.ServiceName == "" || w.ActionName == "" {
		return nil, fmt.Errorf("no serviceName or actionName: %w", ErrNotRecord)
	}
	rec := &Record{
		Line: n, Version: w.Version, OrgID: string(w.OrgID), WorkspaceID: string(w.WorkspaceID),
		ServiceName: w.ServiceName, ActionName: w.ActionName, RequestID: string(w.RequestID),
		UserAgent: w.UserAgent, Params: make(map[string]string, len(w.RequestParams)),
	}
	for k, v := range w.RequestParams {
		rec.Params[k] = string(v)
	}
	if w.UserIdentity != nil {
		rec.UserEmail = w.UserIdentity.Email
	}
	var err error
	if rec.Timestamp, err = number(w.Timestamp, "timestamp"); err != nil {
		return nil, err
	}
	if w.Response != nil {
		code, err := number(w.Response.StatusCode, "response.statusCode")
		if err != nil {
			return nil, err
		}
		rec.StatusCode = int(code)
		rec.ErrorMessage, rec.Result = w.Response.ErrorMessage, string(w.Response.Result)
	}
	return rec, nil
}

// number reads an integer that arrived as a JSON number or a numeric string
// (json.Number takes both); "" is 0. Errors: ErrNotRecord for anything else.
func number(n json.Number, field string) (int64, error) {
	if n == "" {
		return 0, nil
	}
	if i, err := n.Int64(); err == nil {
		return i, nil
	}
	// 1.727354712345e12 is still a timestamp.
	if f, err := n.Float64(); err == nil && f >= -1<<62 && f <= 1<<62 {
		return int64(f), nil
	}
	return 0, fmt.Errorf("%s %q is not a number: %w", field, string(n), ErrNotRecord)
}
