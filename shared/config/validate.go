package config

import (
	"errors"
	"fmt"
	"maps"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/drsync/drsync/shared/rewrite"
)

var (
	pairName = regexp.MustCompile(`^[a-z0-9-]{1,64}$`)
	envName  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	// secretARN is a Secrets Manager secret ARN in any partition (aws, aws-cn, aws-us-gov).
	secretARN = regexp.MustCompile(`^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@-]+$`)
	// s3URL is s3://bucket[/prefix]; the bucket rules are AWS's, loosened on
	// length so short names in tests and local S3 endpoints pass.
	s3URL = regexp.MustCompile(`^s3://[a-z0-9][a-z0-9.-]{0,61}[a-z0-9]?(/[^/].*)?$`)
)

// problems collects every validation failure so one run reports them all.
type problems []error

func (p *problems) add(field, format string, args ...any) {
	*p = append(*p, &FieldError{Field: field, Msg: fmt.Sprintf(format, args...)})
}

// Validate checks the whole config and returns every problem joined with
// errors.Join, each a *FieldError naming its field; nil when the config is usable.
func (c *Config) Validate() error {
	var p problems
	if !pairName.MatchString(c.Pair) {
		p.add("pair", `must be 1-64 characters of a-z, 0-9 and "-", got %q`, c.Pair)
	}
	checkEndpoint(&p, "source", c.Source)
	checkEndpoint(&p, "target", c.Target)
	checkDistinctHosts(&p, c.Source.Host, c.Target.Host)
	checkResources(&p, c.Resources)
	checkGlobs(&p, "include", c.Include)
	checkGlobs(&p, "exclude", c.Exclude)
	checkPathMap(&p, c.PathMap)
	checkPolicies(&p, c)
	checkReplication(&p, c.Replication)
	checkRewrite(&p, c.Rewrite)
	checkIDMap(&p, c.IDMap)
	for _, d := range []struct {
		field string
		v     Duration
	}{{"failover.max_sync_age", c.Failover.MaxSyncAge}, {"failover.final_sync_timeout", c.Failover.FinalSyncTimeout},
		{"failover.fence_wait", c.Failover.FenceWait}} {
		if d.v.Duration <= 0 {
			p.add(d.field, "must be positive, got %s", d.v.Duration)
		}
	}
	if c.Ledger.Path == "" {
		p.add("ledger.path", "required")
	}
	return errors.Join(p...)
}

// checkEndpoint validates one side's host and auth block.
func checkEndpoint(p *problems, side string, ep Endpoint) {
	if msg := hostProblem(ep.Host); msg != "" {
		p.add(side+".host", "%s", msg)
	}
	checkAuth(p, side+".auth", ep.Auth)
}

// hostProblem says what is wrong with a workspace URL. The scheme is required
// because the SDK guesses badly without one ("localhost:8765" parses as scheme
// "localhost"), a path is refused because the SDK silently drops it, and
// http:// only reaches loopback addresses (the emulators): anywhere else the
// token would cross the network in clear text.
func hostProblem(host string) string {
	if host == "" {
		return "required"
	}
	if !strings.HasPrefix(host, "https://") && !strings.HasPrefix(host, "http://") {
		return "must start with https:// or http://"
	}
	u, err := url.Parse(host)
	switch {
	case err != nil:
		return fmt.Sprintf("not a URL: %v", errors.Unwrap(err))
	case u.User != nil:
		return "must not carry credentials"
	case u.Hostname() == "":
		return "has no host name"
	case strings.Trim(u.Path, "/") != "" || u.RawQuery != "" || u.Fragment != "":
		return "must be the workspace URL only, without path, query or fragment"
	case u.Scheme == "http" && !isLoopback(u.Hostname()):
		return "must use https:// (http:// would send the token in clear text; it is allowed only for loopback addresses: 127.0.0.0/8, ::1, localhost)"
	}
	if _, err := NormalizeHost(host); err != nil {
		return err.Error()
	}
	return ""
}

// checkDistinctHosts refuses a pair whose two hosts are spelled alike once
// normalised (case, a trailing dot, a default port): a sync would rewrite the
// source in place. Two names for one workspace (an alias, 127.0.0.1 and
// localhost) are caught by the engine, which compares workspace ids.
func checkDistinctHosts(p *problems, source, target string) {
	if hostProblem(source) != "" || hostProblem(target) != "" {
		return
	}
	s, serr := NormalizeHost(source)
	t, terr := NormalizeHost(target)
	if serr == nil && terr == nil && s == t {
		p.add("target.host", "must differ from source.host (a workspace cannot be its own DR copy)")
	}
}

// authFields lists, per auth type, which Auth fields it uses.
var authFields = map[string][]string{
	AuthPAT:     {"token_env"},
	AuthM2M:     {"client_id_env", "client_secret_env"},
	AuthProfile: {"profile"},
	AuthSecret:  {"secret_arn"},
}

// named is one config value with its JSON name, for checks that loop over fields.
type named[T any] struct {
	name  string
	value T
}

// checkAuth validates an auth block. An empty block is allowed: the CLI then
// takes credentials from flags or DRSYNC_<SIDE>_* variables.
func checkAuth(p *problems, field string, a Auth) {
	if a.IsZero() {
		return
	}
	used, known := authFields[a.Type]
	switch {
	case a.Type == "":
		p.add(field+".type", "required (pat, oauth-m2m, profile or secret)")
		return
	case !known:
		p.add(field+".type", "unknown auth type %q (want pat, oauth-m2m, profile or secret)", a.Type)
		return
	}
	for _, f := range authValues(a) {
		checkAuthField(p, field+"."+f.name, a.Type, slices.Contains(used, f.name), f.value)
	}
}

// authValues returns the auth block's fields by JSON name, in file order.
func authValues(a Auth) []named[string] {
	return []named[string]{
		{"token_env", a.TokenEnv},
		{"client_id_env", a.ClientIDEnv},
		{"client_secret_env", a.ClientSecretEnv},
		{"profile", a.Profile},
		{"secret_arn", a.SecretARN},
	}
}

func checkAuthField(p *problems, field, typ string, used bool, value string) {
	switch {
	case !used && value != "":
		p.add(field, "not used by auth type %q", typ)
	case !used:
	case value == "":
		p.add(field, "required for auth type %q", typ)
	case strings.HasSuffix(field, "_env"):
		checkEnvName(p, field, value)
	case strings.HasSuffix(field, ".secret_arn") && !secretARN.MatchString(value):
		p.add(field, "must be a Secrets Manager ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>), got %q", value)
	case strings.HasSuffix(field, ".profile") && strings.ContainsAny(value, "[]\n"):
		p.add(field, "not a profile name: %q", value)
	}
}

// checkEnvName refuses values that are not variable names, and says so loudly
// when the value looks like the secret itself.
func checkEnvName(p *problems, field, value string) {
	switch {
	case strings.HasPrefix(value, "dapi") || strings.HasPrefix(value, "dose"):
		p.add(field, "looks like a Databricks secret, not an environment variable name; put the secret in a variable and name that variable here")
	case !envName.MatchString(value):
		p.add(field, "must be an environment variable name ([A-Za-z_][A-Za-z0-9_]*), got %q", value)
	}
}

// checkResources refuses repeated names and an explicit empty list; the names
// themselves are checked against the kinds where they are chosen.
func checkResources(p *problems, resources []string) {
	if resources != nil && len(resources) == 0 {
		p.add("resources", "empty; omit the field to sync every kind")
	}
	seen := map[string]bool{}
	for i, r := range resources {
		if seen[r] {
			p.add(fmt.Sprintf("resources[%d]", i), "duplicate resource %q", r)
		}
		seen[r] = true
	}
}

func checkGlobs(p *problems, field string, patterns []string) {
	for i, pattern := range patterns {
		if _, err := compileGlob(pattern); err != nil {
			p.add(fmt.Sprintf("%s[%d]", field, i), "bad glob %q: %v", pattern, err)
		}
	}
}

// checkPathMap validates each entry, then refuses maps under which two source
// paths could land on one target path: repeated Froms, and To subtrees that
// coincide or nest (with /a → /x and /b → /x/b, both /a/b/n and /b/n become /x/b/n).
func checkPathMap(p *problems, ms []PathMapping) {
	for i, m := range ms {
		field := fmt.Sprintf("path_map[%d]", i)
		checkMapPath(p, field+".from", m.From)
		checkMapPath(p, field+".to", m.To)
		if m.From != "" && m.From == m.To {
			p.add(field+".to", "maps %q to itself", m.From)
		}
		for j := range i {
			checkMapPair(p, i, j, ms[i], ms[j])
		}
	}
}

func checkMapPath(p *problems, field, v string) {
	switch {
	case v == "":
		p.add(field, "required")
	case !strings.HasPrefix(v, "/"):
		p.add(field, "must be an absolute workspace path, got %q", v)
	case v == "/":
		p.add(field, `must not be "/" (map a folder, not the whole workspace)`)
	case path.Clean(v) != v:
		p.add(field, "must be a clean path without a trailing slash, \"//\", \".\" or \"..\" (want %q)", path.Clean(v))
	}
}

// checkMapPair compares entry i with an earlier entry j.
func checkMapPair(p *problems, i, j int, mi, mj PathMapping) {
	switch {
	case mi.From == mj.From:
		p.add(fmt.Sprintf("path_map[%d].from", i), "%q is already mapped by path_map[%d]", mi.From, j)
	case within(mi.To, mj.To) || within(mj.To, mi.To):
		p.add(fmt.Sprintf("path_map[%d].to", i), "%q overlaps path_map[%d].to %q; two source paths could map to one target path", mi.To, j, mj.To)
	}
}

// checkPolicies validates the delete guard, rate limits and timeouts.
func checkPolicies(p *problems, c *Config) {
	if !(c.DeleteGuard.MaxShare > 0 && c.DeleteGuard.MaxShare <= 1) {
		p.add("delete_guard.max_share", "must be in (0,1], got %v", c.DeleteGuard.MaxShare)
	}
	r := c.RateLimits
	for _, f := range []named[int]{
		{"requests_per_second", r.RequestsPerSecond},
		{"export_per_second", r.ExportPerSecond},
		{"import_per_second", r.ImportPerSecond},
		{"jobs_create_per_second", r.JobsCreatePerSecond},
		{"concurrency", r.Concurrency},
	} {
		if f.value < 1 {
			p.add("rate_limits."+f.name, "must be at least 1, got %d", f.value)
		}
	}
	checkSeconds(p, "retry_timeout", c.RetryTimeout.Duration)
	checkSeconds(p, "http_timeout", c.HTTPTimeout.Duration)
}

// checkSeconds requires a positive whole number of seconds: the SDK takes both
// timeouts as integer seconds, and a negative retry budget means "forever".
func checkSeconds(p *problems, field string, d time.Duration) {
	switch {
	case d < time.Second:
		p.add(field, "must be at least 1s, got %v", d)
	case d%time.Second != 0:
		p.add(field, "must be whole seconds (the SDK counts seconds), got %v", d)
	}
}

func checkReplication(p *problems, r Replication) {
	if r.RPO.Duration <= 0 {
		p.add("replication.rpo", "must be positive, got %v", r.RPO.Duration)
	}
	for i, bp := range r.BucketPairs {
		field := fmt.Sprintf("replication.bucket_pairs[%d]", i)
		checkS3URL(p, field+".source", bp.Source)
		checkS3URL(p, field+".target", bp.Target)
		if bp.Inventory != "" {
			checkS3URL(p, field+".inventory", bp.Inventory)
		}
		if bp.Source != "" && strings.TrimSuffix(bp.Source, "/") == strings.TrimSuffix(bp.Target, "/") {
			p.add(field+".target", "must differ from the source location")
		}
	}
}

func checkS3URL(p *problems, field, v string) {
	if !s3URL.MatchString(v) {
		p.add(field, "must be s3://bucket or s3://bucket/prefix, got %q", v)
	}
}

// checkRewrite compiles the rewrite rules, so a bad one (no or two
// operations, a bad regex, an empty map) is refused at load with its
// position, not at the first sync.
func checkRewrite(p *problems, rules []rewrite.Rule) {
	if _, err := rewrite.Compile(rules, nil); err != nil {
		*p = append(*p, ruleErrors(err)...)
	}
}

// Rules compiles the config's rewrite rules; owned names the fields drsync
// sets itself (engine.CheckConfig passes the kinds' references and markers).
// Errors: *FieldError values joined.
func (c *Config) Rules(owned func(field string) (why string, isOwned bool)) (*rewrite.Rules, error) {
	r, err := rewrite.Compile(c.Rewrite, owned)
	if err != nil {
		return nil, errors.Join(ruleErrors(err)...)
	}
	return r, nil
}

// ruleErrors are the rewrite package's errors as the config's, so Load
// locates them in the file.
func ruleErrors(err error) []error {
	var out []error
	for _, e := range flatten(err) {
		if fe, ok := errors.AsType[*rewrite.FieldError](e); ok {
			e = &FieldError{Field: fe.Field, Msg: fe.Msg}
		}
		out = append(out, e)
	}
	return out
}

// checkIDMap refuses empty ids: an id_map entry maps one id to another.
func checkIDMap(p *problems, m IDMap) {
	for _, t := range []struct {
		field string
		ids   map[string]string
	}{{"id_map.warehouses", m.Warehouses}, {"id_map.pipelines", m.Pipelines}, {"id_map.destinations", m.Destinations},
		{"id_map.queries", m.Queries}, {"id_map.dashboards", m.Dashboards}, {"id_map.alerts", m.Alerts}} {
		for _, from := range slices.Sorted(maps.Keys(t.ids)) {
			if strings.TrimSpace(from) == "" || strings.TrimSpace(t.ids[from]) == "" {
				p.add(t.field+"."+from, "empty id: map a source id to a DR id")
			}
		}
	}
}
