package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
)

// secretKeys are keys that would put a credential in the file, with the advice
// shown instead of a bare "unknown field" (a config is committed, copied and
// logged; a secret in it leaks).
var secretKeys = map[string]string{
	"token":         `never put a token in the config; name the environment variable that holds it with "token_env"`,
	"client_secret": `never put a client secret in the config; name the environment variable that holds it with "client_secret_env"`,
	"password":      `never put a password in the config; use an environment variable, a profile or a Secrets Manager ARN`,
}

var durationType = reflect.TypeFor[Duration]()

// maxDepth caps how deeply objects and arrays may nest. A real config nests 4
// levels; without a cap, each level of a hostile or generated file costs the
// walker a stack frame and every path below it a longer string, so 40 KB of
// "[" took 630 MB.
const maxDepth = 64

// maxProblems caps the problems one file reports: the first ones are what an
// author fixes first, and a cap keeps a file of thousands of bad values from
// costing thousands of messages.
const maxProblems = 50

// decode checks data against the shape of c (syntax, nesting depth, unknown,
// duplicate and secret keys, value types), then decodes it onto c. It returns
// an index of where each field starts so later validation errors can point
// into the file. Memory stays linear in len(data), whatever its shape.
// Errors: *FieldError values joined (at most maxProblems, then one saying
// so); a syntax error or nesting deeper than maxDepth stops the walk early.
func decode(data []byte, name string, c *Config) (*index, error) {
	w := newWalker(data, name)
	if err := w.document(reflect.TypeOf(c).Elem()); err != nil {
		return nil, err
	}
	if len(w.errs) > 0 {
		return nil, errors.Join(w.errs...)
	}
	// The walk has already proved the shape, so this strict decode failing means
	// a gap in the walker; report it with a position rather than trust it.
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(c); err != nil {
		return nil, w.idx.decodeError(err)
	}
	return w.idx, nil
}

// walker streams tokens and checks each value against the Go type it will be
// decoded into, recording every problem with its file position. encoding/json
// stops at the first problem and names no position for unknown fields; a config
// author wants all of them, with lines.
type walker struct {
	dec  *json.Decoder
	idx  *index
	errs []error
}

func newWalker(data []byte, name string) *walker {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	return &walker{dec: dec, idx: &index{name: name, data: data, pos: map[string]int{}}}
}

// document walks the single top-level value, which must be an object.
func (w *walker) document(t reflect.Type) error {
	start := w.next()
	if start == len(w.idx.data) {
		return w.idx.at(start, "", "empty file; want a JSON object")
	}
	if w.idx.data[start] != '{' {
		return w.idx.at(start, "", "want a JSON object at the top level")
	}
	if err := w.value(&fieldPath{}, t, start); err != nil {
		return err
	}
	trailing := w.next()
	if _, err := w.dec.Token(); err != io.EOF {
		return w.idx.at(trailing, "", "unexpected data after the top-level object")
	}
	return nil
}

// value reads one JSON value for path, reporting at pos. A nil t means the
// value belongs to a field already reported, so only its syntax is checked
// and its position is not indexed (validation never names such a field).
// Errors: a syntax error or too deep a nesting (fatal); type problems go to
// w.errs.
func (w *walker) value(path *fieldPath, t reflect.Type, pos int) error {
	if t != nil && path.parent != nil {
		w.idx.pos[path.String()] = pos
	}
	if t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem() // an optional value: absent or null means unset
	}
	tok, err := w.dec.Token()
	if err != nil {
		return w.syntax(err)
	}
	if tok == json.Delim('{') || tok == json.Delim('[') {
		if path.depth >= maxDepth {
			return w.idx.at(pos, path.String(), fmt.Sprintf("nested deeper than %d levels", maxDepth))
		}
	}
	switch tok {
	case json.Delim('{'):
		return w.object(path, w.expect(path, t, pos, "object"))
	case json.Delim('['):
		return w.array(path, w.expect(path, t, pos, "array"))
	}
	w.scalar(path, t, pos, tok)
	return nil
}

// expect reports a container of the wrong kind and returns the type to walk it
// with: t itself when it fits, nil (syntax only) when it does not.
func (w *walker) expect(path *fieldPath, t reflect.Type, pos int, got string) reflect.Type {
	if t == nil {
		return nil
	}
	fits := t.Kind() == reflect.Slice
	if got == "object" {
		fits = (t.Kind() == reflect.Struct && t != durationType) || t.Kind() == reflect.Map
	}
	if fits {
		return t
	}
	w.fail(pos, path, "want %s, got %s", want(t), got)
	return nil
}

// object walks the members of an object decoded into struct t (nil: skip).
func (w *walker) object(path *fieldPath, t reflect.Type) error {
	fields := jsonFields(t)
	seen := map[string]bool{}
	for w.dec.More() {
		pos := w.next()
		tok, err := w.dec.Token()
		if err != nil {
			return w.syntax(err)
		}
		key := tok.(string) // Token only yields strings in key position
		field := path.member(key)
		var ft reflect.Type
		if t != nil && t.Kind() == reflect.Map {
			ft = t.Elem() // any key: a map's entries are the user's names
			if seen[key] {
				w.fail(pos, field, "duplicate key")
			}
			seen[key] = true
		} else {
			ft = w.member(field, key, pos, t != nil, fields, seen)
		}
		if err := w.value(field, ft, pos); err != nil {
			return err
		}
	}
	_, err := w.dec.Token()
	return w.syntax(err)
}

// member checks one key and returns the type its value decodes into (nil when
// the key is refused or the parent is being skipped).
func (w *walker) member(field *fieldPath, key string, pos int, typed bool, fields map[string]reflect.Type, seen map[string]bool) reflect.Type {
	defer func() { seen[key] = true }()
	if advice, ok := secretKeys[strings.ToLower(key)]; ok {
		w.fail(pos, field, "%s", advice)
		return nil
	}
	if !typed {
		return nil
	}
	ft, known := fields[key]
	switch {
	case !known:
		w.fail(pos, field, "unknown field")
		return nil
	case seen[key]:
		w.fail(pos, field, "duplicate field")
	}
	return ft
}

// array walks the elements of an array decoded into slice t (nil: skip).
func (w *walker) array(path *fieldPath, t reflect.Type) error {
	var elem reflect.Type
	if t != nil {
		elem = t.Elem()
	}
	for i := 0; w.dec.More(); i++ {
		if err := w.value(path.element(i), elem, w.next()); err != nil {
			return err
		}
	}
	_, err := w.dec.Token()
	return w.syntax(err)
}

// scalar checks a string, number, boolean or null against t.
func (w *walker) scalar(path *fieldPath, t reflect.Type, pos int, tok json.Token) {
	if t == nil {
		return
	}
	if msg := scalarProblem(t, tok); msg != "" {
		w.fail(pos, path, "%s", msg)
	}
}

// scalarProblem says why tok cannot decode into t, or "" when it can.
func scalarProblem(t reflect.Type, tok json.Token) string {
	got := jsonKind(tok)
	switch {
	case t == durationType && got == "string":
		return durationProblem(tok.(string))
	case (t.Kind() == reflect.Slice || t.Kind() == reflect.Map) && got == "null":
		return "" // null decodes to an empty list, as generators often write it
	case t.Kind() == reflect.String && got == "string",
		t.Kind() == reflect.Bool && got == "boolean",
		t.Kind() == reflect.Float64 && got == "number":
		return ""
	case t.Kind() == reflect.Int && got == "number":
		if _, err := strconv.ParseInt(string(tok.(json.Number)), 10, 0); err != nil {
			return fmt.Sprintf("want a whole number, got %s", tok)
		}
		return ""
	}
	return fmt.Sprintf("want %s, got %s", want(t), got)
}

func durationProblem(s string) string {
	var d Duration
	if err := d.UnmarshalJSON(strconv.AppendQuote(nil, s)); err != nil {
		return err.Error()
	}
	return ""
}

// want names what a value of Go type t looks like in JSON.
func want(t reflect.Type) string {
	if t == durationType {
		return `a duration string like "60s"`
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Float64:
		return "a number"
	case reflect.Slice:
		return "an array"
	default:
		return "an object"
	}
}

// jsonKind names the JSON kind of a scalar token.
func jsonKind(tok json.Token) string {
	switch tok.(type) {
	case string:
		return "string"
	case json.Number:
		return "number"
	case bool:
		return "boolean"
	default:
		return "null"
	}
}

// jsonFields maps the JSON names of struct t's fields to their types.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	fields := map[string]reflect.Type{}
	if t == nil || t.Kind() != reflect.Struct {
		return fields
	}
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.IsExported() && name != "" && name != "-" {
			fields[name] = f.Type
		}
	}
	return fields
}

// next returns the offset of the next token's first byte: the decoder's offset
// sits after the previous token, before any separator and white space.
func (w *walker) next() int {
	data, off := w.idx.data, int(w.dec.InputOffset())
	for off < len(data) && strings.IndexByte(" \t\r\n,:", data[off]) >= 0 {
		off++
	}
	return off
}

// fail records a problem with field at pos, up to maxProblems; the next one
// is recorded as where reporting stopped, and the rest are dropped.
func (w *walker) fail(pos int, field *fieldPath, format string, args ...any) {
	switch {
	case len(w.errs) < maxProblems:
		w.errs = append(w.errs, w.idx.at(pos, field.String(), fmt.Sprintf(format, args...)))
	case len(w.errs) == maxProblems:
		w.errs = append(w.errs, w.idx.at(pos, "", fmt.Sprintf("more than %d problems; stopped reporting here", maxProblems)))
	}
}

// syntax turns a decoder error into a positioned *FieldError (nil stays nil).
func (w *walker) syntax(err error) error {
	if err == nil {
		return nil
	}
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return w.idx.at(int(se.Offset), "", "invalid JSON: "+strings.TrimPrefix(se.Error(), "json: "))
	}
	return w.idx.at(len(w.idx.data), "", "invalid JSON: "+err.Error())
}

// fieldPath is the JSON path of a value as a link to its parent's: extending
// it costs the same however deep or long-named the parents are, and it is
// spelled out ("replication.bucket_pairs[0].source") only when a message or
// the index needs it. The zero value is the top-level object.
type fieldPath struct {
	parent *fieldPath
	key    string // member name, when elem is false
	index  int    // array index, when elem is true
	elem   bool
	depth  int // segments from the top
}

func (p *fieldPath) member(key string) *fieldPath {
	return &fieldPath{parent: p, key: key, depth: p.depth + 1}
}

func (p *fieldPath) element(i int) *fieldPath {
	return &fieldPath{parent: p, index: i, elem: true, depth: p.depth + 1}
}

// maxKeyShown caps how much of one member name a path spells out, so that
// no message grows with the length of a (hostile) key. Every name the config
// knows is far shorter, so the index is never affected.
const maxKeyShown = 64

// String spells the path as "a.b[2].c"; the top-level object is "".
func (p *fieldPath) String() string {
	var b strings.Builder
	p.write(&b)
	return b.String()
}

// write spells the path into b, parents first (depth is capped, so the
// recursion is too).
func (p *fieldPath) write(b *strings.Builder) {
	if p.parent == nil {
		return
	}
	p.parent.write(b)
	switch {
	case p.elem:
		b.WriteString("[" + strconv.Itoa(p.index) + "]")
		return
	case b.Len() > 0:
		b.WriteByte('.')
	}
	if len(p.key) > maxKeyShown {
		b.WriteString(p.key[:maxKeyShown] + "…")
	} else {
		b.WriteString(p.key)
	}
}
