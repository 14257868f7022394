package awstest

import (
	"bytes"
	"encoding/json"
	"hash/crc32"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/drsync/drsync/shared/fixture"
)

// Fault is what a Proxy answers a request with instead of moto's response.
type Fault struct {
	// Operation limits the fault to one operation of a JSON-protocol service
	// (the part of X-Amz-Target after the dot, e.g. "PutItem"); "" matches
	// every request.
	Operation string
	// Status and Body are the response; the body is sent as AWS JSON.
	Status int
	Body   string
	// AfterForward sends the request on to moto first and replaces only its
	// response: the write happened but the client never heard, as when a
	// connection drops after AWS committed.
	AfterForward bool
}

// DynamoDBError is the fault DynamoDB answers with for the error type typ
// (e.g. "ProvisionedThroughputExceededException"), HTTP 400.
func DynamoDBError(typ, message string) Fault {
	body, err := json.Marshal(map[string]string{
		"__type":  "com.amazonaws.dynamodb.v20120810#" + typ,
		"message": message,
	})
	if err != nil {
		panic(err) // a map of strings always marshals
	}
	return Fault{Status: http.StatusBadRequest, Body: string(body)}
}

// Proxy is a loopback reverse proxy in front of a server (moto) that answers
// chosen requests with injected faults and counts requests per operation. It
// is real HTTP through the real SDK, so the SDK's retryer and error decoding
// are what is tested, not a mock of them.
type Proxy struct {
	srv   *httptest.Server
	proxy *httputil.ReverseProxy

	mu     sync.Mutex
	faults []*pendingFault
	calls  map[string]int
}

type pendingFault struct {
	Fault
	left int
}

// NewProxy starts a proxy to target on a free loopback port and stops it when
// the test ends.
func NewProxy(t fixture.T, target string) *Proxy {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatalf("awstest: proxy target %q: %v", target, err)
	}
	p := &Proxy{proxy: httputil.NewSingleHostReverseProxy(u), calls: map[string]int{}}
	p.srv = httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(p.srv.Close)
	return p
}

// URL is the proxy's endpoint, to give to ConfigAt.
func (p *Proxy) URL() string { return p.srv.URL }

// Inject makes the next n requests matching f.Operation get f. Faults are
// used in the order they were injected.
func (p *Proxy) Inject(n int, f Fault) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.faults = append(p.faults, &pendingFault{Fault: f, left: n})
}

// Calls returns how many requests for operation ("" = all) reached the
// proxy, faulted or not.
func (p *Proxy) Calls(operation string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if operation == "" {
		total := 0
		for _, n := range p.calls {
			total += n
		}
		return total
	}
	return p.calls[operation]
}

func (p *Proxy) serve(w http.ResponseWriter, r *http.Request) {
	f := p.take(operation(r))
	switch {
	case f == nil:
		p.proxy.ServeHTTP(w, r)
	case f.AfterForward:
		p.proxy.ServeHTTP(discard{header: http.Header{}}, r)
		writeFault(w, f)
	default:
		// Drain the request so the client sees a response, not a reset.
		_, _ = io.Copy(io.Discard, r.Body)
		writeFault(w, f)
	}
}

// take counts a request for op and returns the fault it gets, if any.
func (p *Proxy) take(op string) *Fault {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls[op]++
	for _, f := range p.faults {
		if f.left > 0 && (f.Operation == "" || f.Operation == op) {
			f.left--
			return &f.Fault
		}
	}
	return nil
}

// operation is the JSON-protocol operation name of r ("" for REST services).
func operation(r *http.Request) string {
	target := r.Header.Get("X-Amz-Target")
	if i := strings.LastIndexByte(target, '.'); i >= 0 {
		return target[i+1:]
	}
	return target
}

// writeFault answers with f as AWS would, including DynamoDB's CRC32 of the
// body (the SDK checks it, and warns on every response without it).
func writeFault(w http.ResponseWriter, f *Fault) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.Header().Set("X-Amzn-Requestid", "awstest-fault")
	w.Header().Set("X-Amz-Crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE([]byte(f.Body))), 10))
	w.WriteHeader(f.Status)
	_, _ = io.Copy(w, bytes.NewBufferString(f.Body))
}

// discard is a ResponseWriter that throws the forwarded response away.
type discard struct{ header http.Header }

func (d discard) Header() http.Header         { return d.header }
func (d discard) Write(p []byte) (int, error) { return len(p), nil }
func (d discard) WriteHeader(int)             {}
