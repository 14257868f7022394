package crrtest

import (
	"encoding/base64"
	"encoding/xml"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/johannesboyne/gofakes3"
)

// gofakes3's s3mem answers a prefix listing by scanning the bucket from its
// first key to its last, whatever the prefix: a listing of one folder of a
// 100,000-object bucket costs as much as listing all of it. S3 seeks to the
// prefix and stops after it. The service answers ListObjectsV2 the way S3
// does, in O(log n + page), from a sorted snapshot of each bucket's current
// objects, taken again after any write to the bucket.

// sorted returns bucket's current objects in key order. Errors: no bucket.
func (s *service) sorted(bucket string) ([]*gofakes3.Content, error) {
	s.listMu.Lock()
	defer s.listMu.Unlock()
	if list, ok := s.lists[bucket]; ok {
		return list, nil
	}
	all, err := s.backend.ListBucket(bucket, nil, gofakes3.ListBucketPage{})
	if err != nil {
		return nil, err
	}
	s.lists[bucket] = all.Contents
	return all.Contents, nil
}

// touch drops bucket's snapshot after a write.
func (s *service) touch(bucket string) {
	s.listMu.Lock()
	delete(s.lists, bucket)
	s.listMu.Unlock()
}

// serveListV2 answers ListObjectsV2: prefix, delimiter, max-keys (at most
// 1000), start-after and continuation tokens, with multipart ETags.
func (s *service) serveListV2(w http.ResponseWriter, r *http.Request, bucket string) {
	list, err := s.sorted(bucket)
	if err != nil {
		writeError(w, http.StatusNotFound, "NoSuchBucket", "The specified bucket does not exist", bucket)
		return
	}
	q := r.URL.Query()
	page := listPage{prefix: q.Get("prefix"), delimiter: q.Get("delimiter"), max: 1000, after: q.Get("start-after")}
	if v, err := strconv.Atoi(q.Get("max-keys")); err == nil && v >= 0 && v < page.max {
		page.max = v
	}
	if tok := q.Get("continuation-token"); tok != "" {
		raw, err := base64.URLEncoding.DecodeString(tok)
		if err != nil {
			writeError(w, http.StatusBadRequest, "InvalidArgument", "The continuation token provided is incorrect", bucket)
			return
		}
		page.after, page.skipDir = string(raw[1:]), raw[0] == 'p'
	}
	res := page.read(list, s.etagsOf(bucket))
	res.Name, res.Xmlns, res.ContinuationToken, res.StartAfter = bucket, s3Namespace, q.Get("continuation-token"), q.Get("start-after")
	w.Header().Set("Content-Type", "application/xml")
	_ = xml.NewEncoder(w).Encode(res)
}

// listPage is one ListObjectsV2 request.
type listPage struct {
	prefix, delimiter, after string
	skipDir                  bool // after is a common prefix already returned
	max                      int
}

// read returns the page of list (sorted) the request asks for.
func (p listPage) read(list []*gofakes3.Content, etags map[string]string) gofakes3.ListBucketResultV2 {
	res := gofakes3.ListBucketResultV2{}
	res.Prefix, res.Delimiter, res.MaxKeys = p.prefix, p.delimiter, int64(p.max)
	i := sort.Search(len(list), func(i int) bool { return list[i].Key >= p.prefix && list[i].Key > p.after })
	last, lastDir := "", false
	for ; i < len(list) && strings.HasPrefix(list[i].Key, p.prefix); i++ {
		key := list[i].Key
		if p.skipDir && strings.HasPrefix(key, p.after) {
			continue
		}
		if int(res.KeyCount) == p.max {
			res.IsTruncated = true
			break
		}
		if dir, ok := p.rollup(key); ok {
			if dir != last {
				res.CommonPrefixes = append(res.CommonPrefixes, gofakes3.CommonPrefix{Prefix: dir})
				res.KeyCount++
				last, lastDir = dir, true
			}
			continue
		}
		c := *list[i]
		if etag, ok := etags[key]; ok {
			c.ETag = `"` + etag + `"`
		}
		res.Contents = append(res.Contents, &c)
		res.KeyCount++
		last, lastDir = key, false
	}
	if res.IsTruncated {
		kind := map[bool]string{true: "p", false: "k"}[lastDir]
		res.NextContinuationToken = base64.URLEncoding.EncodeToString([]byte(kind + last))
	}
	return res
}

// rollup returns the common prefix key falls under, if the request has a
// delimiter and key holds it past the prefix.
func (p listPage) rollup(key string) (string, bool) {
	if p.delimiter == "" {
		return "", false
	}
	rest := key[len(p.prefix):]
	j := strings.Index(rest, p.delimiter)
	if j < 0 {
		return "", false
	}
	return p.prefix + rest[:j+len(p.delimiter)], true
}

// etagsOf copies bucket's multipart ETags.
func (s *service) etagsOf(bucket string) map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]string{}
	for ref, etag := range s.etags {
		if ref.bucket == bucket {
			out[ref.key] = etag
		}
	}
	return out
}
