package auditlog

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
)

// MaxLine is the longest line Reader accepts, newline included. Records are
// capped by Databricks (MAX_LOG_MESSAGE_LENGTH truncates long values) far below
// it; a longer line is reported as malformed and skipped, not fatal.
const MaxLine = 1 << 20

// gzipMagic starts every gzip stream. Delivery is documented as plain JSON
// Lines; gzip is decoded defensively, only when the object starts with it.
var gzipMagic = []byte{0x1f, 0x8b}

// LineError is a line that is not an audit record. Reading can go on after it.
type LineError struct {
	Line int // 1-based line number
	Err  error
}

func (e *LineError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }
func (e *LineError) Unwrap() error { return e.Err }

// bufSize is the read buffer: lines up to it are decoded in place, longer
// ones (up to MaxLine) are gathered in a growing buffer.
const bufSize = 64 << 10

// Reader streams the records of one delivered object. Its memory is bounded
// by MaxLine (plus gzip's window), whatever the object's size.
type Reader struct {
	br   *bufio.Reader
	long []byte // a line longer than the read buffer, gathered
	line int
	err  error // sticky fatal error or io.EOF
}

// NewReader returns a Reader over r, decompressing it if it starts with the
// gzip magic bytes. Errors: reading the first bytes failed, or a gzip header
// that does not parse.
func NewReader(r io.Reader) (*Reader, error) {
	br := bufio.NewReaderSize(r, bufSize)
	head, err := br.Peek(len(gzipMagic))
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("read audit log: %w", err)
	}
	if bytes.Equal(head, gzipMagic) {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("read gzip audit log: %w", err)
		}
		br = bufio.NewReaderSize(gz, bufSize)
	}
	return &Reader{br: br}, nil
}

// Next returns the next record. At the end it returns io.EOF. A line that is
// not a record gives a *LineError (bad JSON, ErrNotRecord, ErrLineTooLong)
// and Next can be called again; blank lines are skipped silently. Any other
// error (the underlying read, a corrupt gzip stream) is fatal and returned
// again by every later call.
func (r *Reader) Next() (*Record, error) {
	for r.err == nil {
		line, err := r.readLine()
		if err != nil {
			return nil, err
		}
		if line = bytes.TrimSpace(line); len(line) == 0 {
			continue
		}
		rec, err := decode(line, r.line)
		if err != nil {
			return nil, &LineError{Line: r.line, Err: err}
		}
		return rec, nil
	}
	return nil, r.err
}

// readLine returns the next line (valid until the next call), a *LineError
// for one longer than MaxLine, or a fatal error. At the end of the input it
// returns the last line, if any, and sets r.err to io.EOF.
func (r *Reader) readLine() ([]byte, error) {
	r.long = r.long[:0]
	tooLong := false
	for {
		chunk, err := r.br.ReadSlice('\n')
		if len(chunk) > 0 && len(r.long) == 0 && !tooLong {
			r.line++
		}
		if !tooLong && len(r.long)+len(chunk) > MaxLine {
			tooLong, r.long = true, r.long[:0]
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			if !tooLong {
				r.long = append(r.long, chunk...)
			}
			continue
		}
		if err != nil && !errors.Is(err, io.EOF) {
			r.err = fmt.Errorf("read audit log at line %d: %w", r.line, err)
			return nil, r.err
		}
		r.err = err // nil, or io.EOF after the last line
		switch {
		case tooLong:
			return nil, &LineError{Line: r.line, Err: fmt.Errorf("longer than %d bytes: %w", MaxLine, ErrLineTooLong)}
		case len(r.long) > 0:
			return append(r.long, chunk...), nil
		}
		return chunk, nil
	}
}
