package emulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
)

// Request bodies. Every JSON body is read by readJSON, with numbers decoded as
// json.Number where they land in an interface (so int64 ids beyond 2^53 keep
// every digit) and the service's MALFORMED_REQUEST for what does not parse.

// readJSON decodes the request body into v; see decodeJSON.
func readJSON(r *http.Request, v any) error {
	data, err := io.ReadAll(r.Body)
	if err != nil {
		return errorf(http.StatusBadRequest, "MALFORMED_REQUEST", "could not read request body: %v", err)
	}
	if err := decodeJSON(data, v); err != nil {
		return errorf(http.StatusBadRequest, "MALFORMED_REQUEST", "Invalid JSON given in the body of the request - %v", err)
	}
	return nil
}

// decodeJSON decodes one JSON value into v. Empty input leaves v as it is
// (the SDK sends no body for some void calls); anything after the value is an
// error, as is malformed JSON.
func decodeJSON(data []byte, v any) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errTrailingData
	}
	return nil
}

var errTrailingData = errors.New("unexpected data after the JSON value")

// parseDoc decodes a request body that must be a JSON object; empty or a
// literal null is {}. Errors are 400 MALFORMED_REQUEST.
func parseDoc(data []byte) (compDoc, error) {
	doc := compDoc{}
	if err := decodeJSON(data, &doc); err != nil {
		return nil, errorf(http.StatusBadRequest, "MALFORMED_REQUEST", "Invalid JSON given in the body of the request - %v", err)
	}
	if doc == nil {
		doc = compDoc{}
	}
	return doc, nil
}

// readDoc reads the request body as a JSON object (parseDoc).
func readDoc(r *http.Request) (compDoc, error) {
	doc := compDoc{}
	if err := readJSON(r, &doc); err != nil {
		return nil, err
	}
	if doc == nil {
		doc = compDoc{}
	}
	return doc, nil
}

// compDoc is a JSON object as the compute families store it: decoded with
// UseNumber so int64 values keep every digit, re-encoded as sent.
type compDoc map[string]any

func (d compDoc) has(k string) bool {
	_, ok := d[k]
	return ok
}

func (d compDoc) setDefault(k string, v any) {
	if !d.has(k) {
		d[k] = v
	}
}

// str reads an optional string; absent or null gives "".
func (d compDoc) str(k string) (string, error) {
	v, ok := d[k]
	if !ok || v == nil {
		return "", nil
	}
	s, ok := v.(string)
	if !ok {
		return "", compTypeError(k, "a string")
	}
	return s, nil
}

// num reads an optional integer; ok reports whether it was present.
func (d compDoc) num(k string) (n int64, ok bool, err error) {
	v, ok := d[k]
	if !ok || v == nil {
		return 0, false, nil
	}
	switch t := v.(type) {
	case json.Number:
		if n, err := t.Int64(); err == nil {
			return n, true, nil
		}
	case int64:
		return t, true, nil
	case int:
		return int64(t), true, nil
	}
	return 0, false, compTypeError(k, "an integer")
}

// obj reads an optional object; absent or null gives nil.
func (d compDoc) obj(k string) (compDoc, error) {
	switch t := d[k].(type) {
	case nil:
		return nil, nil
	case map[string]any:
		return compDoc(t), nil
	case compDoc:
		return t, nil
	}
	return nil, compTypeError(k, "an object")
}

// list reads an optional array; absent or null gives nil.
func (d compDoc) list(k string) ([]any, error) {
	switch t := d[k].(type) {
	case nil:
		return nil, nil
	case []any:
		return t, nil
	}
	return nil, compTypeError(k, "an array")
}

func compTypeError(k, want string) *apiError {
	return errorf(http.StatusBadRequest, "MALFORMED_REQUEST",
		"Could not parse request object: field '%s' must be %s", k, want)
}

// clone is a deep copy, so a response never aliases stored state.
func (d compDoc) clone() compDoc {
	if d == nil {
		return nil
	}
	return compDoc(cloneValue(map[string]any(d)).(map[string]any))
}

// cloneValue copies a decoded JSON value so responses, which are encoded after
// s.mu is released, never share maps or slices with stored state.
func cloneValue(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = cloneValue(e)
		}
		return out
	case compDoc:
		return compDoc(cloneValue(map[string]any(t)).(map[string]any))
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = cloneValue(e)
		}
		return out
	}
	return v // strings, json.Number, bools, nil: immutable
}

func sortedCompKeys(d compDoc) []string {
	keys := make([]string, 0, len(d))
	for k := range d {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
