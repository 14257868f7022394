package resource

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
)

// Doc is a JSON document as generic values: map[string]any, []any, string,
// json.Number (never float64, so 64-bit ids stay exact), bool and nil.
type Doc = map[string]any

// ToDoc converts an API value (an SDK struct, raw JSON bytes) into a Doc.
func ToDoc(v any) (Doc, error) {
	data, ok := v.([]byte)
	if !ok {
		var err error
		if data, err = json.Marshal(v); err != nil {
			return nil, fmt.Errorf("encode document: %w", err)
		}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var d Doc
	if err := dec.Decode(&d); err != nil {
		return nil, fmt.Errorf("decode document: %w", err)
	}
	if d == nil {
		d = Doc{}
	}
	return d, nil
}

// FromDoc decodes d into v (an SDK request struct). The SDK's own unmarshalling
// records zero values that were present in ForceSendFields, so a num_workers of 0
// in the document reaches the wire.
func FromDoc(d Doc, v any) error {
	data, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("encode document: %w", err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("decode into %T: %w", v, err)
	}
	return nil
}

// Clone deep-copies a document.
func Clone(d Doc) Doc {
	if d == nil {
		return nil
	}
	return cloneValue(d).(Doc)
}

func cloneValue(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, x := range t {
			m[k] = cloneValue(x)
		}
		return m
	case []any:
		s := make([]any, len(t))
		for i, x := range t {
			s[i] = cloneValue(x)
		}
		return s
	default:
		return v
	}
}

// Hash is the identity of a document: the SHA-256 of its canonical JSON
// (encoding/json writes map keys sorted), shortened to 32 hex characters.
func Hash(d Doc) string {
	data, err := json.Marshal(d)
	if err != nil {
		// Docs hold only JSON values; failing here is a programming error.
		panic(fmt.Sprintf("resource: hash of a non-JSON document: %v", err))
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:16])
}

// visit calls fn for the value at path in every place it occurs. fn gets the
// containing map and the last key; it may change or delete that entry.
func visit(d Doc, path string, fn func(parent map[string]any, key string)) {
	visitSegs(d, strings.Split(path, "."), fn)
}

func visitSegs(m map[string]any, segs []string, fn func(map[string]any, string)) {
	if m == nil || len(segs) == 0 {
		return
	}
	seg, isArray := strings.CutSuffix(segs[0], "[]")
	if len(segs) == 1 && !isArray {
		if _, ok := m[seg]; ok {
			fn(m, seg)
		}
		return
	}
	v, ok := m[seg]
	if !ok {
		return
	}
	if !isArray {
		child, _ := v.(map[string]any)
		visitSegs(child, segs[1:], fn)
		return
	}
	arr, _ := v.([]any)
	if len(segs) == 1 {
		fn(m, seg) // the array itself
		return
	}
	for _, el := range arr {
		child, _ := el.(map[string]any)
		visitSegs(child, segs[1:], fn)
	}
}

// equalJSON compares two JSON values, treating numbers by their text.
func equalJSON(a, b any) bool {
	return reflect.DeepEqual(normNumbers(a), normNumbers(b))
}

func normNumbers(v any) any {
	switch t := v.(type) {
	case json.Number:
		return t.String()
	case int:
		return fmt.Sprint(t)
	case int64:
		return fmt.Sprint(t)
	case float64:
		return json.Number(fmt.Sprint(t)).String()
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, x := range t {
			m[k] = normNumbers(x)
		}
		return m
	case []any:
		s := make([]any, len(t))
		for i, x := range t {
			s[i] = normNumbers(x)
		}
		return s
	default:
		return v
	}
}

// prune removes empty maps, empty arrays, empty strings and nulls, recursively:
// "absent" and "empty" mean the same to every API drsync syncs (the SDK never
// even sends an empty string).
func prune(v any) (any, bool) {
	switch t := v.(type) {
	case nil:
		return nil, false
	case string:
		return t, t != ""
	case map[string]any:
		for k, x := range t {
			if px, keep := prune(x); keep {
				t[k] = px
			} else {
				delete(t, k)
			}
		}
		return t, len(t) > 0
	case []any:
		out := t[:0]
		for _, x := range t {
			if px, keep := prune(x); keep {
				out = append(out, px)
			}
		}
		return out, len(out) > 0
	default:
		return v, true
	}
}

// sortArray orders an unordered array by the given element field ("" = by the
// element's canonical JSON).
func sortArray(arr []any, by string) {
	keyOf := func(el any) string {
		if m, ok := el.(map[string]any); ok && by != "" {
			return fmt.Sprint(m[by])
		}
		data, _ := json.Marshal(el)
		return string(data)
	}
	sort.SliceStable(arr, func(i, j int) bool { return keyOf(arr[i]) < keyOf(arr[j]) })
}

// Diff lists the fields that differ between two documents, as dot paths no
// deeper than depth segments, sorted. Array elements are named by index.
func Diff(a, b Doc, depth int) []string {
	var out []string
	diffValue("", a, b, depth, &out)
	sort.Strings(out)
	return out
}

func diffValue(path string, a, b any, depth int, out *[]string) {
	if equalJSON(a, b) {
		return
	}
	am, aok := a.(map[string]any)
	bm, bok := b.(map[string]any)
	if !aok || !bok || depth <= 0 {
		*out = append(*out, path)
		return
	}
	keys := map[string]bool{}
	for k := range am {
		keys[k] = true
	}
	for k := range bm {
		keys[k] = true
	}
	for k := range keys {
		p := k
		if path != "" {
			p = path + "." + k
		}
		diffValue(p, am[k], bm[k], depth-1, out)
	}
}
