package crrtest

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
)

// gofakes3 stores a multipart object as one body and reports its plain MD5
// everywhere but in the CompleteMultipartUpload response; S3 reports the
// multipart form, "<md5 of the parts' md5s>-<parts>", in listings and HEAD
// too, and replication keeps it on the copy. The service remembers those
// ETags and rewrites what gofakes3 reports.

// multipartETag computes the ETag S3 gives a completed multipart upload
// from the CompleteMultipartUpload body. Errors: a malformed body.
func multipartETag(body []byte) (string, error) {
	var doc struct {
		Parts []struct {
			ETag string `xml:"ETag"`
		} `xml:"Part"`
	}
	if err := xml.Unmarshal(body, &doc); err != nil {
		return "", err
	}
	h := md5.New()
	for _, p := range doc.Parts {
		sum, err := hex.DecodeString(strings.Trim(p.ETag, `"`))
		if err != nil {
			return "", fmt.Errorf("part ETag %q: %w", p.ETag, err)
		}
		h.Write(sum)
	}
	return hex.EncodeToString(h.Sum(nil)) + "-" + strconv.Itoa(len(doc.Parts)), nil
}

// etagOf returns key's multipart ETag, "" for a plain one.
func (s *service) etagOf(bucket, key string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.etags[objectRef{bucket, key}]
}

// setETag records (or with "" forgets) key's multipart ETag.
func (s *service) setETag(bucket, key, etag string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if etag == "" {
		delete(s.etags, objectRef{bucket, key})
		return
	}
	s.etags[objectRef{bucket, key}] = etag
}

// hasETags reports whether any object of bucket has a multipart ETag, so
// listings of other buckets pass untouched.
func (s *service) hasETags(bucket string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for ref := range s.etags {
		if ref.bucket == bucket {
			return true
		}
	}
	return false
}

// objectWriter sets a successful HEAD or GET's x-amz-replication-status and
// multipart ETag just before the status line goes out. A HEAD may never
// write at all (net/http sends the 200 once the handler returns), so finish
// must run after gofakes3 has served the request.
type objectWriter struct {
	http.ResponseWriter
	status, etag string
	wrote        bool
}

func (w *objectWriter) apply(code int) {
	if w.wrote {
		return
	}
	w.wrote = true
	if code >= 300 {
		return
	}
	if w.status != "" {
		w.Header().Set(headerReplStatus, w.status)
	}
	if w.etag != "" {
		w.Header().Set("ETag", `"`+w.etag+`"`)
	}
}

func (w *objectWriter) WriteHeader(code int) {
	w.apply(code)
	w.ResponseWriter.WriteHeader(code)
}

func (w *objectWriter) Write(b []byte) (int, error) {
	w.apply(http.StatusOK)
	return w.ResponseWriter.Write(b)
}

func (w *objectWriter) finish() { w.apply(http.StatusOK) }

// serveObject serves a HEAD or GET of key with the service's additions.
func (s *service) serveObject(w http.ResponseWriter, r *http.Request, bucket, key string) {
	ow := &objectWriter{ResponseWriter: w, status: s.statusOf(bucket, key), etag: s.etagOf(bucket, key)}
	s.fake.ServeHTTP(ow, r)
	ow.finish()
}

var (
	xmlKey  = regexp.MustCompile(`<Key>([^<]*)</Key>`)
	xmlETag = regexp.MustCompile(`<ETag>[^<]*</ETag>`)
)

// serveListing serves a listing, rewriting the ETags of multipart objects.
func (s *service) serveListing(w http.ResponseWriter, r *http.Request, bucket string) {
	if !s.hasETags(bucket) {
		s.fake.ServeHTTP(w, r)
		return
	}
	rec := httptest.NewRecorder()
	s.fake.ServeHTTP(rec, r)
	chunks := bytes.Split(rec.Body.Bytes(), []byte("<Contents>"))
	for i, c := range chunks[1:] {
		m := xmlKey.FindSubmatch(c)
		if m == nil {
			continue
		}
		if etag := s.etagOf(bucket, html.UnescapeString(string(m[1]))); etag != "" {
			chunks[i+1] = xmlETag.ReplaceAll(c, []byte("<ETag>&#34;"+etag+"&#34;</ETag>"))
		}
	}
	body := bytes.Join(chunks, []byte("<Contents>"))
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(rec.Code)
	_, _ = w.Write(body)
}
