// Package emulator is a stateful, in-memory Databricks workspace served over real
// HTTP on 127.0.0.1. The real databricks-sdk-go talks to it exactly as it talks to a
// workspace: same paths, query encoding, error bodies, pagination and throttling.
//
// It is built to the facts in shared/reference/databricks-api.md, not to what drsync
// happens to need: tests of drsync are also run against independent fakes.
package emulator

import (
	"cmp"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultToken is the bearer token the emulator accepts when Options.Token is empty.
const DefaultToken = "dapi-emulator-token"

// Options configures a Server. The zero value is a usable workspace with the
// published per-endpoint rate limits switched on.
type Options struct {
	// Addr to listen on; default "127.0.0.1:0" (a free loopback port).
	Addr string
	// Token is the personal access token accepted as a bearer token; default
	// DefaultToken. Tokens the OAuth token endpoint issued are accepted too.
	Token string
	// ClientID and ClientSecret are the one service principal the OAuth token
	// endpoint knows (defaults DefaultClientID, DefaultClientSecret); the
	// tokens it issues expire after TokenLifetime (default
	// DefaultTokenLifetime, rounded to whole seconds, at least one).
	ClientID, ClientSecret string
	TokenLifetime          time.Duration
	// WorkspaceID is returned in X-Databricks-Org-Id; default 1234567890123456.
	WorkspaceID int64
	// UserName is the identity behind the token (SCIM Me, creator fields).
	UserName string
	// Seed makes generated ids and fault probabilities repeatable; default 1.
	Seed uint64
	// RateLimits per endpoint ("METHOD /path") in requests per second. Nil means
	// DefaultRateLimits(); an empty non-nil map switches rate limiting off.
	RateLimits map[string]float64
	// Latency is added to every request before it is served.
	Latency time.Duration
	// Now is the clock for timestamps and state changes; default time.Now.
	Now func() time.Time
	// ClusterStartDelay is how long a created or started cluster stays
	// PENDING, and an edited running one RESTARTING, before it reads RUNNING;
	// ClusterTerminateDelay how long a terminated one stays TERMINATING. Both
	// are measured on Now. Zero makes the transition complete by the next
	// request, as tests want; a real cluster takes minutes to start (cmd/dbemu
	// defaults to seconds).
	ClusterStartDelay     time.Duration
	ClusterTerminateDelay time.Duration
	// Catalog is what the workspace can run and who it knows (region, zones,
	// node types, runtimes, instance profiles, SCIM principals); create and
	// edit calls refuse what it lacks. Nil means DefaultCatalog() (us-west-2);
	// RegionCatalog gives a DR-flavoured one for another region.
	Catalog *Catalog
}

// DefaultRateLimits are the published per-workspace limits (reference §4):
// workspace export 60/s, import 30/s, jobs create 20/s.
func DefaultRateLimits() map[string]float64 {
	return map[string]float64{
		"GET /api/2.0/workspace/export":  60,
		"POST /api/2.0/workspace/import": 30,
		"POST /api/2.2/jobs/create":      20,
		"POST /api/2.1/jobs/create":      20,
	}
}

// Server is one emulated workspace.
type Server struct {
	opts   Options
	routes map[string]http.HandlerFunc
	public map[string]bool // endpoints served without a bearer token

	mu    sync.Mutex // guards all workspace state below and rng
	rng   *rand.Rand
	ws    *wsState
	jobs  *jobsState
	comp  *computeState
	secr  *secretsState
	cat   *catalogState
	scim  *scimState
	wh    *warehouseState
	pipe  *pipelineState
	dest  *destinationState
	oauth *oauthState
	count *counter
	limit *limiter
	fault *faults

	latency atomic.Int64 // per-request latency in ns; starts at Options.Latency
	// inFlight counts the requests being served now.
	inFlight atomic.Int64
	token    atomic.Value // string: the accepted personal access token

	ln   net.Listener
	http *http.Server
	done chan struct{}
}

// New returns a Server with empty state (plus the built-ins every workspace has:
// root folders and default cluster policies). Call Start to serve it.
func New(opts Options) *Server {
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	if opts.Token == "" {
		opts.Token = DefaultToken
	}
	opts.ClientID = cmp.Or(opts.ClientID, DefaultClientID)
	opts.ClientSecret = cmp.Or(opts.ClientSecret, DefaultClientSecret)
	opts.TokenLifetime = cmp.Or(opts.TokenLifetime, DefaultTokenLifetime)
	if opts.WorkspaceID == 0 {
		opts.WorkspaceID = 1234567890123456
	}
	if opts.UserName == "" {
		opts.UserName = "admin@example.com"
	}
	if opts.Seed == 0 {
		opts.Seed = 1
	}
	if opts.RateLimits == nil {
		opts.RateLimits = DefaultRateLimits()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Server{
		opts:   opts,
		routes: map[string]http.HandlerFunc{},
		public: map[string]bool{},
		oauth:  newOAuthState(),
		rng:    rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x9e3779b97f4a7c15)),
		count:  newCounter(),
		limit:  newLimiter(opts.RateLimits),
		fault:  newFaults(opts.Seed),
	}
	s.token.Store(opts.Token)
	s.latency.Store(int64(opts.Latency))
	s.ws = newWSState(s)
	s.jobs = newJobsState()
	s.comp = newComputeState(s)
	s.secr = newSecretsState()
	s.cat = newCatalogState(opts.Catalog)
	s.scim = s.newSCIMState(s.cat.cat)
	s.wh = newWarehouseState()
	s.pipe = newPipelineState()
	s.dest = newDestinationState()
	s.registerRoutes()
	return s
}

// Start listens on Options.Addr and serves in the background until Close.
func (s *Server) Start() error {
	ln, err := net.Listen("tcp", s.opts.Addr)
	if err != nil {
		return fmt.Errorf("emulator: listen %s: %w", s.opts.Addr, err)
	}
	s.ln = ln
	s.http = &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	s.done = make(chan struct{})
	go func() {
		defer close(s.done)
		if err := s.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			// Serve only fails here when the listener breaks; nothing to recover.
			_ = err
		}
	}()
	return nil
}

// URL is the base URL to give the SDK as Config.Host ("http://127.0.0.1:port").
func (s *Server) URL() string {
	if s.ln == nil {
		return ""
	}
	return "http://" + s.ln.Addr().String()
}

// Token is the bearer token this server accepts.
func (s *Server) Token() string { return s.token.Load().(string) }

// RotateToken makes token the workspace's one personal access token, as
// revoking the old token and issuing a new one does: the old one is then
// refused.
func (s *Server) RotateToken(token string) { s.token.Store(token) }

// ClientID and ClientSecret are the OAuth service principal's credentials.
func (s *Server) ClientID() string     { return s.opts.ClientID }
func (s *Server) ClientSecret() string { return s.opts.ClientSecret }

// WorkspaceID is the id sent in X-Databricks-Org-Id.
func (s *Server) WorkspaceID() int64 { return s.opts.WorkspaceID }

// Close stops serving at once — open connections included, as a workspace that
// goes away would — and waits for the serve loop to end. (A graceful Shutdown
// would wait seconds for connections a client opened but never used.)
func (s *Server) Close() error {
	if s.http == nil {
		return nil
	}
	err := s.http.Close()
	<-s.done
	return err
}

// InFlight is how many requests are being served now. A request whose
// client has gone (a killed process) is still carried out, as the service
// carries out what it received; a test waits for 0 before it counts on
// what those requests did.
func (s *Server) InFlight() int64 { return s.inFlight.Load() }

// SetLatency changes the latency added to every request from now on.
func (s *Server) SetLatency(d time.Duration) { s.latency.Store(int64(d)) }

// now is the emulator clock in epoch milliseconds.
func (s *Server) now() int64 { return s.opts.Now().UnixMilli() }
