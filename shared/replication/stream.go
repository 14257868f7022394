package replication

import (
	"context"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// entry is one listed name, relative to the location's prefix: an object, or
// (dir) a common prefix ending in the delimiter.
type entry struct {
	name     string
	dir      bool
	size     int64
	etag     string
	modified time.Time
}

// page is one ListObjectsV2 response as entries in key order, or its error.
type page struct {
	entries []entry
	err     error
}

// stream reads one listing in key order while the next page is fetched:
// a goroutine pages through ListObjectsV2 one page ahead of the reader.
type stream struct {
	ctx   context.Context
	pages <-chan page
	cur   []entry
	err   error
	done  bool
}

// listing describes one ListObjectsV2 walk.
type listing struct {
	api        API
	loc        Location
	sub        string // relative prefix under loc.Prefix
	startAfter string // relative name; "" starts at the beginning
	delimit    bool   // roll names up at "/" (common prefixes)
	pageSize   int32
}

// delimiter is the separator of the top-level split into parallel prefixes.
const delimiter = "/"

// open starts the listing; the goroutine ends when the listing does or ctx
// ends.
func (l listing) open(ctx context.Context) *stream {
	ch := make(chan page, 1)
	go l.run(ctx, ch)
	return &stream{ctx: ctx, pages: ch}
}

func (l listing) run(ctx context.Context, ch chan<- page) {
	defer close(ch)
	in := &s3.ListObjectsV2Input{
		Bucket: &l.loc.Bucket, Prefix: aws.String(l.loc.Prefix + l.sub), MaxKeys: &l.pageSize,
	}
	// A resumed check starts after the last name it compared, in the
	// listing that holds that name.
	if l.startAfter != "" && l.startAfter != l.sub && strings.HasPrefix(l.startAfter, l.sub) {
		in.StartAfter = aws.String(l.loc.Prefix + l.startAfter)
	}
	if l.delimit {
		in.Delimiter = aws.String(delimiter)
	}
	pages := s3.NewListObjectsV2Paginator(l.api, in)
	lastDir := ""
	for pages.HasMorePages() {
		out, err := pages.NextPage(ctx)
		p := page{err: err}
		if err == nil {
			p.entries, lastDir = entries(out, len(l.loc.Prefix), lastDir)
		}
		select {
		case ch <- p:
		case <-ctx.Done():
			return
		}
		if err != nil {
			return
		}
	}
}

// entries merges a page's objects and common prefixes into one sorted list
// of names relative to the first strip bytes. A common prefix equal to the
// previous page's last one is dropped: some S3-compatible servers repeat a
// prefix that spans pages, and a repeated prefix would be compared twice.
func entries(out *s3.ListObjectsV2Output, strip int, lastDir string) ([]entry, string) {
	objs, dirs := out.Contents, out.CommonPrefixes
	list := make([]entry, 0, len(objs)+len(dirs))
	for len(objs) > 0 || len(dirs) > 0 {
		if len(dirs) == 0 || (len(objs) > 0 && aws.ToString(objs[0].Key) < aws.ToString(dirs[0].Prefix)) {
			list = append(list, objectEntry(objs[0], strip))
			objs = objs[1:]
			continue
		}
		if name := aws.ToString(dirs[0].Prefix)[strip:]; name != lastDir {
			list = append(list, entry{name: name, dir: true})
			lastDir = name
		}
		dirs = dirs[1:]
	}
	return list, lastDir
}

func objectEntry(o types.Object, strip int) entry {
	return entry{
		name: aws.ToString(o.Key)[strip:], size: aws.ToInt64(o.Size),
		etag: strings.Trim(aws.ToString(o.ETag), `"`), modified: aws.ToTime(o.LastModified),
	}
}

// peek returns the next entry without consuming it; false at the end or on
// an error (then err is set).
func (s *stream) peek() (entry, bool) {
	for len(s.cur) == 0 && !s.done {
		p, ok := <-s.pages
		switch {
		case !ok:
			// A listing cut short by ctx closes without an error page: that
			// is not the end of the listing.
			s.err, s.done = s.ctx.Err(), true
		case p.err != nil:
			s.err, s.done = p.err, true
		default:
			s.cur = p.entries
		}
	}
	if len(s.cur) == 0 {
		return entry{}, false
	}
	return s.cur[0], true
}

// next consumes the entry peek returned.
func (s *stream) next() { s.cur = s.cur[1:] }
