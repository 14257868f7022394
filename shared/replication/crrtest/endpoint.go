package crrtest

import (
	"net/http"
	"net/url"
	"strings"
)

// endpoint is one regional endpoint of the service. Like an S3-compatible
// server, it serves every bucket; the bucket's region is what it reports.
type endpoint struct {
	svc    *service
	region string
}

// ServeHTTP answers what gofakes3 lacks and passes the rest to it, reacting
// to successful writes and deletes as S3 replication does.
func (e *endpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	bucket, key := splitPath(r.URL.Path)
	q := r.URL.Query()
	op := operation(r.Method, bucket, key, q, r.Header)
	e.svc.count(op)
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		e.svc.touch(bucket)
	}
	switch op {
	case "GetBucketReplication", "PutBucketReplication", "DeleteBucketReplication":
		e.svc.serveReplication(w, r, bucket)
	case "GetBucketEncryption", "PutBucketEncryption", "DeleteBucketEncryption":
		e.svc.serveEncryption(w, r, bucket)
	case "GetBucketLocation":
		e.svc.serveLocation(w, bucket)
	case "CreateBucket":
		e.svc.serveCreateBucket(w, r, bucket, e.region)
	case "HeadBucket":
		if region := e.svc.regionOf(bucket); region != "" {
			w.Header().Set(headerRegion, region)
		}
		e.svc.fake.ServeHTTP(w, r)
	case "PutObject", "CopyObject", "CreateMultipartUpload":
		e.svc.applyDefaultEncryption(r, bucket)
		e.svc.afterSuccess(w, r, func() { e.svc.written(bucket, key, "") }, op != "CreateMultipartUpload")
	case "CompleteMultipartUpload":
		e.svc.completeMultipart(w, r, bucket, key)
	case "DeleteObject":
		e.svc.afterSuccess(w, r, func() { e.svc.deleted(bucket, key) }, true)
	case "HeadObject", "GetObject":
		e.svc.serveObject(w, r, bucket, key)
	case "ListObjectsV2":
		e.svc.serveListV2(w, r, bucket)
	case "ListObjects":
		e.svc.serveListing(w, r, bucket)
	default:
		e.svc.fake.ServeHTTP(w, r)
	}
}

// afterSuccess serves r with gofakes3 and runs then when it succeeded (and
// react is set).
func (s *service) afterSuccess(w http.ResponseWriter, r *http.Request, then func(), react bool) {
	rec := &codeWriter{ResponseWriter: w, code: http.StatusOK}
	s.fake.ServeHTTP(rec, r)
	if react && rec.code < 300 {
		then()
	}
}

// completeMultipart completes an upload and records its multipart ETag.
func (s *service) completeMultipart(w http.ResponseWriter, r *http.Request, bucket, key string) {
	body, err := readBody(r)
	etag := ""
	if err == nil {
		etag, err = multipartETag(body)
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, "MalformedXML", err.Error(), bucket)
		return
	}
	s.afterSuccess(w, r, func() { s.written(bucket, key, etag) }, true)
}

// splitPath splits a path-style URL path into bucket and key.
func splitPath(path string) (bucket, key string) {
	bucket, key, _ = strings.Cut(strings.TrimPrefix(path, "/"), "/")
	return bucket, key
}

// operation names the S3 API call a request is, for counting and routing.
func operation(method, bucket, key string, q url.Values, h http.Header) string {
	switch {
	case bucket == "":
		return "ListBuckets"
	case key == "":
		return bucketOperation(method, q)
	}
	return objectOperation(method, q, h)
}

// bucketSubresources maps a bucket subresource to its operation's noun.
var bucketSubresources = []struct{ query, noun string }{
	{"replication", "BucketReplication"}, {"encryption", "BucketEncryption"},
	{"versioning", "BucketVersioning"},
}

var methodVerb = map[string]string{http.MethodGet: "Get", http.MethodPut: "Put", http.MethodDelete: "Delete"}

func bucketOperation(method string, q url.Values) string {
	for _, sub := range bucketSubresources {
		if q.Has(sub.query) {
			return methodVerb[method] + sub.noun
		}
	}
	switch {
	case q.Has("location"):
		return "GetBucketLocation"
	case q.Has("versions"):
		return "ListObjectVersions"
	case q.Has("uploads"):
		return "ListMultipartUploads"
	case q.Has("delete"):
		return "DeleteObjects"
	case method == http.MethodGet && q.Get("list-type") == "2":
		return "ListObjectsV2"
	case method == http.MethodGet:
		return "ListObjects"
	}
	return map[string]string{http.MethodHead: "HeadBucket", http.MethodPut: "CreateBucket", http.MethodDelete: "DeleteBucket"}[method]
}

func objectOperation(method string, q url.Values, h http.Header) string {
	switch {
	case q.Has("uploads"):
		return "CreateMultipartUpload"
	case q.Has("uploadId"):
		return map[string]string{http.MethodPut: "UploadPart", http.MethodPost: "CompleteMultipartUpload",
			http.MethodDelete: "AbortMultipartUpload", http.MethodGet: "ListParts"}[method]
	case method == http.MethodPut && h.Get("X-Amz-Copy-Source") != "":
		return "CopyObject"
	}
	return map[string]string{http.MethodGet: "GetObject", http.MethodHead: "HeadObject",
		http.MethodPut: "PutObject", http.MethodDelete: "DeleteObject"}[method]
}

// codeWriter remembers the status code written.
type codeWriter struct {
	http.ResponseWriter
	code int
}

func (w *codeWriter) WriteHeader(code int) {
	w.code = code
	w.ResponseWriter.WriteHeader(code)
}
