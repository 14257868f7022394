package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// FieldError is one problem with a config: which field and, when the config
// came from a file, where in it. Load, Parse and Validate return these joined
// with errors.Join; pick them out with errors.As or by unwrapping.
type FieldError struct {
	File  string // file name given to Parse; "" for Validate on an in-memory config
	Line  int    // 1-based; 0 when the field is absent from the file
	Col   int    // 1-based byte column
	Field string // JSON path such as "rate_limits.concurrency" or "exclude[2]"; "" for the whole document
	Msg   string
}

// Error renders "file:line:col: field: msg", leaving out the parts that are unknown.
func (e *FieldError) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			fmt.Fprintf(&b, ":%d:%d", e.Line, e.Col)
		}
		b.WriteString(": ")
	}
	if e.Field != "" {
		b.WriteString(e.Field + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// index knows where each field path starts in a parsed file.
type index struct {
	name string
	data []byte
	pos  map[string]int // field path → byte offset of its key (or element)
}

// at builds a FieldError for byte offset off.
func (x *index) at(off int, field, msg string) *FieldError {
	line, col := x.lineCol(off)
	return &FieldError{File: x.name, Line: line, Col: col, Field: field, Msg: msg}
}

func (x *index) lineCol(off int) (line, col int) {
	off = min(max(off, 0), len(x.data))
	before := x.data[:off]
	line = bytes.Count(before, []byte("\n")) + 1
	col = off - (bytes.LastIndexByte(before, '\n') + 1) + 1
	return line, col
}

// locate gives each *FieldError in err (a Validate result) the file name and the
// position of its field, or of the nearest parent present in the file (a
// missing "target.host" points at "target" when that block exists).
func (x *index) locate(err error) error {
	var out []error
	for _, e := range flatten(err) {
		var fe *FieldError
		if !errors.As(e, &fe) {
			out = append(out, e)
			continue
		}
		located := *fe
		located.File = x.name
		if off, ok := x.find(fe.Field); ok {
			located.Line, located.Col = x.lineCol(off)
		}
		out = append(out, &located)
	}
	return errors.Join(out...)
}

// find returns the offset of field or its nearest recorded parent.
func (x *index) find(field string) (int, bool) {
	for field != "" {
		if off, ok := x.pos[field]; ok {
			return off, true
		}
		field = parent(field)
	}
	return 0, false
}

// parent strips the last ".name" or "[i]" from a field path.
func parent(field string) string {
	i := strings.LastIndexAny(field, ".[")
	if i < 0 {
		return ""
	}
	return field[:i]
}

// decodeError positions an error from encoding/json's own decode.
func (x *index) decodeError(err error) error {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		return x.at(int(te.Offset), te.Field, "want "+te.Type.String()+", got "+te.Value)
	case errors.As(err, &se):
		return x.at(int(se.Offset), "", "invalid JSON: "+se.Error())
	}
	return &FieldError{File: x.name, Msg: err.Error()}
}

// flatten unpacks an errors.Join result (joins of joins too) into its parts.
func flatten(err error) []error {
	j, ok := err.(interface{ Unwrap() []error })
	if !ok {
		return []error{err}
	}
	var out []error
	for _, e := range j.Unwrap() {
		out = append(out, flatten(e)...)
	}
	return out
}
