package auditlog

import (
	"bytes"
	"errors"
	"io"
	"os"
	"slices"
	"testing"
)

// FuzzParse protects the reader against hostile objects: any bytes parse
// without a panic and to an end, and a valid record placed among garbage
// lines is never lost. Run longer with
// go test -run '^$' -fuzz FuzzParse -fuzztime 60s ./shared/auditlog/
func FuzzParse(f *testing.F) {
	sample, err := os.ReadFile(samplePath)
	if err != nil {
		f.Fatal(err)
	}
	for _, line := range bytes.Split(sample, []byte("\n")) {
		f.Add(line)
	}
	for _, s := range []string{"", "\n", "{", "}\n{", "null", `{"serviceName":1,"actionName":[]}`, "\x1f\x8b\x08",
		`{"serviceName":"jobs","actionName":"create","response":{"statusCode":200,"result":"{\"job_id\":[]}"}}`,
		`{"serviceName":"notebook","actionName":"renameNotebook","requestParams":{"parentPath":"/","oldName":"a/b"},"response":{"statusCode":200}}`,
	} {
		f.Add([]byte(s))
	}
	f.Add(gz(f, sample))

	needle := bytes.Split(sample, []byte("\n"))[3] // jobs create, id in the result
	want, err := decode(needle, 0)
	if err != nil {
		f.Fatal(err)
	}
	wantKeys, _ := testEvents.Map(want)

	f.Fuzz(func(t *testing.T, garbage []byte) {
		drain(t, garbage)
		// The leading newline keeps garbage from posing as a gzip header.
		data := bytes.Join([][]byte{{}, garbage, needle, garbage}, []byte("\n"))
		// Garbage may hold records with the same ID (a mutated copy of the
		// needle), so the needle is found when one of them maps as it should.
		found := slices.ContainsFunc(drain(t, data)[want.ID()], func(ks []Key) bool { return slices.Equal(ks, wantKeys) })
		if !found {
			t.Fatalf("valid record lost among garbage %q", garbage)
		}
	})
}

// drain reads data to its end, classifying every record, and returns the
// keys of the records of each ID.
func drain(t *testing.T, data []byte) map[string][][]Key {
	ids := map[string][][]Key{}
	rd, err := NewReader(bytes.NewReader(data))
	if err != nil {
		return ids
	}
	for lines := 0; ; lines++ {
		if lines > len(data)+1 {
			t.Fatalf("reader does not terminate on %q", data)
		}
		rec, err := rd.Next()
		var le *LineError
		switch {
		case errors.Is(err, io.EOF):
			return ids
		case errors.As(err, &le):
			continue
		case err != nil:
			return ids
		}
		keys, class := Options{Events: testEvents}.Classify(rec)
		if class > Foreign || (class == Relevant) != (len(keys) > 0) {
			t.Fatalf("record %q: class %v with keys %v", data, class, keys)
		}
		ids[rec.ID()] = append(ids[rec.ID()], keys)
	}
}
