// Command dbemu serves emulated Databricks workspaces on loopback until SIGINT or
// SIGTERM, for demos and for running drsync by hand against a source and target:
//
//	dbemu --count 2 --sample              # sample estate in the first, empty second
//	dbemu --synth notebooks=10000,jobs=1000,clusters=200,pools=50,policies=20
//	dbemu --estate estate.json --latency 20ms --json
//	dbemu --cluster-start-delay 0 --cluster-terminate-delay 0   # clusters change state at once
//	dbemu --count 2 --sample --dr-region us-east-1   # second workspace: DR catalog, DR estate
//
// It prints one line per workspace (URL, token, OAuth client id and secret,
// workspace id) and, on exit, the request counts per endpoint. Clusters take
// seconds to start and to terminate, so other clients see PENDING and
// TERMINATING as on a workspace (where they last minutes).
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"net"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/drsync/drsync/shared/emulator"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	switch {
	case errors.Is(err, flag.ErrHelp):
		os.Exit(0)
	case errors.As(err, new(usageError)):
		fmt.Fprintln(os.Stderr, "dbemu:", err)
		os.Exit(2)
	case err != nil:
		fmt.Fprintln(os.Stderr, "dbemu:", err)
		os.Exit(1)
	}
}

// usageError is a bad command line (exit status 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// config is the parsed command line.
type config struct {
	addr         string
	allowRemote  bool
	token        string
	workspaceID  int64
	estateFile   string
	sample       bool
	synth        string
	latency      time.Duration
	noRateLimits bool
	count        int
	seed         uint64
	startDelay   time.Duration
	stopDelay    time.Duration
	tokenLife    time.Duration
	seedAll      bool
	jsonOutput   bool
	drRegion     string
}

// parseFlags reads args into a config; errors are usageError (or flag.ErrHelp).
func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("dbemu", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.addr, "addr", "127.0.0.1:0", "listen address; port 0 picks free ports, a fixed port P gives workspace i port P+i")
	fs.BoolVar(&c.allowRemote, "allow-remote", false, "allow a non-loopback --addr (the token is not a secret: think twice)")
	fs.StringVar(&c.token, "token", emulator.DefaultToken, "bearer token every workspace accepts")
	fs.Int64Var(&c.workspaceID, "workspace-id", 1234567890123456, "workspace id of the first workspace; workspace i gets id+i")
	fs.StringVar(&c.estateFile, "estate", "", "seed the first workspace from this estate JSON file")
	fs.BoolVar(&c.sample, "sample", false, "seed the first workspace with the built-in sample estate")
	fs.StringVar(&c.synth, "synth", "", "seed the first workspace with a synthetic estate: notebooks=N,files=F,jobs=M,clusters=K,pools=P,policies=Q")
	fs.DurationVar(&c.latency, "latency", 0, "latency added to every request (e.g. 20ms)")
	fs.BoolVar(&c.noRateLimits, "no-rate-limits", false, "switch off the published per-endpoint rate limits")
	fs.DurationVar(&c.startDelay, "cluster-start-delay", 5*time.Second, "how long a created or started cluster stays PENDING (and an edited one RESTARTING)")
	fs.DurationVar(&c.stopDelay, "cluster-terminate-delay", 3*time.Second, "how long a terminated cluster stays TERMINATING")
	fs.DurationVar(&c.tokenLife, "token-lifetime", emulator.DefaultTokenLifetime, "lifetime of the OAuth access tokens the token endpoint issues")
	fs.IntVar(&c.count, "count", 1, "number of workspaces to start (e.g. 2: source and target)")
	fs.Uint64Var(&c.seed, "seed", 1, "seed for generated ids and --synth; workspace i uses seed+i")
	fs.BoolVar(&c.seedAll, "seed-all", false, "seed every workspace with the estate, not only the first")
	fs.BoolVar(&c.jsonOutput, "json", false, "print workspaces and request counts as JSON lines")
	fs.StringVar(&c.drRegion, "dr-region", "", "serve every workspace but the first with the DR-flavoured catalog of this region (emulator.RegionCatalog); with --sample they are seeded with the DR estate")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return c, err
		}
		return c, usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return c, usagef("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	return c, c.validate()
}

func (c *config) validate() error {
	if c.count < 1 {
		return usagef("--count must be at least 1, got %d", c.count)
	}
	sources := 0
	for _, set := range []bool{c.estateFile != "", c.sample, c.synth != ""} {
		if set {
			sources++
		}
	}
	if sources > 1 {
		return usagef("--estate, --sample and --synth are mutually exclusive")
	}
	if c.token == "" {
		return usagef("--token must not be empty")
	}
	if c.startDelay < 0 || c.stopDelay < 0 || c.tokenLife < 0 {
		return usagef("--cluster-start-delay, --cluster-terminate-delay and --token-lifetime must not be negative")
	}
	return checkLoopback(c.addr, c.allowRemote)
}

// checkLoopback refuses to serve beyond this machine unless asked: the emulator
// accepts a well-known token and holds whatever estate it was given.
func checkLoopback(addr string, allowRemote bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return usagef("--addr %q: %v", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	if allowRemote {
		return nil
	}
	return usagef("--addr %s is not a loopback address; add --allow-remote to serve beyond this machine", addr)
}

// parseSynth reads "notebooks=N,jobs=M,..." into a SynthSpec.
func parseSynth(s string, seed uint64) (emulator.SynthSpec, error) {
	spec := emulator.SynthSpec{Seed: seed}
	fields := map[string]*int{
		"notebooks": &spec.Notebooks, "files": &spec.Files, "jobs": &spec.Jobs,
		"clusters": &spec.Clusters, "pools": &spec.Pools, "policies": &spec.Policies,
	}
	for _, part := range strings.Split(s, ",") {
		key, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		dst, known := fields[key]
		if !ok || !known {
			return spec, usagef("--synth: %q is not key=N with key one of %s", part, strings.Join(slices.Sorted(maps.Keys(fields)), ", "))
		}
		n, err := strconv.Atoi(val)
		if err != nil || n < 0 {
			return spec, usagef("--synth: %s=%q is not a non-negative integer", key, val)
		}
		*dst = n
	}
	return spec, nil
}

// loadEstate resolves --estate, --sample or --synth; nil means start empty.
func loadEstate(c config) (*emulator.Estate, error) {
	switch {
	case c.sample:
		return emulator.SampleEstate(), nil
	case c.synth != "":
		spec, err := parseSynth(c.synth, c.seed)
		if err != nil {
			return nil, err
		}
		return emulator.Synthesize(spec), nil
	case c.estateFile != "":
		data, err := os.ReadFile(c.estateFile)
		if err != nil {
			return nil, err
		}
		e, err := emulator.LoadEstate(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c.estateFile, err)
		}
		return e, nil
	}
	return nil, nil
}

// workspaceAddr is the listen address of workspace i: a fixed port counts up.
func workspaceAddr(addr string, i int) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", err
	}
	p, err := strconv.Atoi(port)
	if err != nil {
		return "", fmt.Errorf("--addr %q: port %q is not a number", addr, port)
	}
	if p == 0 {
		return addr, nil
	}
	return net.JoinHostPort(host, strconv.Itoa(p+i)), nil
}

// workspace is one started server and what was seeded into it.
type workspace struct {
	index  int
	srv    *emulator.Server
	seeded *emulator.SeedReport
}

// run parses args, starts the workspaces, prints them, serves until ctx is done,
// then stops them and prints the request counts.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	estate, err := loadEstate(c)
	if err != nil {
		return err
	}
	started, err := startAll(c, estate)
	defer stopAll(started, stderr)
	if err != nil {
		return err
	}
	out := &printer{w: stdout, json: c.jsonOutput}
	for _, ws := range started {
		out.workspace(ws)
	}
	if out.err == nil {
		<-ctx.Done() // serve until SIGINT/SIGTERM (or the caller's cancel)
	}
	for _, ws := range started {
		out.counts(ws)
	}
	return out.err
}

// startAll starts c.count workspaces, seeding the first (or all, --seed-all).
// It returns those started so far even on error, so the caller can stop them.
func startAll(c config, estate *emulator.Estate) ([]*workspace, error) {
	var started []*workspace
	for i := range c.count {
		ws, err := startOne(c, i, estate)
		if err != nil {
			return started, fmt.Errorf("workspace %d: %w", i, err)
		}
		started = append(started, ws)
	}
	return started, nil
}

func startOne(c config, i int, estate *emulator.Estate) (*workspace, error) {
	addr, err := workspaceAddr(c.addr, i)
	if err != nil {
		return nil, err
	}
	opts := emulator.Options{
		Addr: addr, Token: c.token, WorkspaceID: c.workspaceID + int64(i),
		Seed: c.seed + uint64(i), Latency: c.latency,
		ClusterStartDelay: c.startDelay, ClusterTerminateDelay: c.stopDelay, TokenLifetime: c.tokenLife,
	}
	if c.noRateLimits {
		opts.RateLimits = map[string]float64{}
	}
	if c.drRegion != "" && i > 0 {
		opts.Catalog = emulator.RegionCatalog(c.drRegion)
		if c.sample && !c.seedAll {
			estate = emulator.DREstate()
		}
	}
	ws := &workspace{index: i, srv: emulator.New(opts)}
	if estate != nil && (i == 0 || c.seedAll || (c.drRegion != "" && c.sample)) {
		rep, err := ws.srv.Seed(estate)
		if err != nil {
			return nil, fmt.Errorf("seed: %w", err)
		}
		ws.seeded = &rep
	}
	if err := ws.srv.Start(); err != nil {
		return nil, err
	}
	return ws, nil
}

func stopAll(started []*workspace, stderr io.Writer) {
	p := &printer{w: stderr}
	for _, ws := range started {
		if err := ws.srv.Close(); err != nil {
			p.printf("dbemu: stop workspace %d: %v\n", ws.index, err)
		}
	}
}

// printer writes the command's output, keeping the first write error (a closed
// stdout) so run can return it instead of losing it.
type printer struct {
	w    io.Writer
	json bool
	err  error
}

func (p *printer) printf(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, args...)
	}
}

// jsonLine writes v as one line; encoding/json sorts map keys.
func (p *printer) jsonLine(v any) {
	b, err := json.Marshal(v)
	if err != nil && p.err == nil {
		p.err = err
		return
	}
	p.printf("%s\n", b)
}

// workspaceLine is the --json form of a started workspace.
type workspaceLine struct {
	Index        int                  `json:"index"`
	URL          string               `json:"url"`
	Token        string               `json:"token"`
	ClientID     string               `json:"client_id"`
	ClientSecret string               `json:"client_secret"`
	WorkspaceID  int64                `json:"workspace_id"`
	Seeded       *emulator.SeedReport `json:"seeded,omitempty"`
}

// workspace prints one line saying how to reach ws.
func (p *printer) workspace(ws *workspace) {
	if p.json {
		p.jsonLine(workspaceLine{Index: ws.index, URL: ws.srv.URL(), Token: ws.srv.Token(),
			ClientID: ws.srv.ClientID(), ClientSecret: ws.srv.ClientSecret(), WorkspaceID: ws.srv.WorkspaceID(), Seeded: ws.seeded})
		return
	}
	p.printf("workspace %d  url=%s  token=%s  client_id=%s  client_secret=%s  workspace_id=%d", ws.index, ws.srv.URL(),
		ws.srv.Token(), ws.srv.ClientID(), ws.srv.ClientSecret(), ws.srv.WorkspaceID())
	if ws.seeded != nil {
		p.printf("  seeded: %s", ws.seeded)
	}
	p.printf("\n")
}

// countsLine is the --json form of a workspace's request counts.
type countsLine struct {
	Index    int              `json:"index"`
	Requests map[string]int64 `json:"requests"`
}

// counts prints the requests each endpoint of ws received, sorted by endpoint.
func (p *printer) counts(ws *workspace) {
	counts := ws.srv.Requests()
	if p.json {
		p.jsonLine(countsLine{Index: ws.index, Requests: counts})
		return
	}
	var total int64
	for _, n := range counts {
		total += n
	}
	p.printf("workspace %d requests (%d in all):\n", ws.index, total)
	for _, endpoint := range slices.Sorted(maps.Keys(counts)) {
		p.printf("  %8d  %s\n", counts[endpoint], endpoint)
	}
}
