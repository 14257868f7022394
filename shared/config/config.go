// Package config is drsync's typed sync-pair configuration: one JSON file names a
// source and a target workspace, where their credentials live, what to copy, the
// warm-DR policies, the delete guard, rate limits and the replication checks.
//
// Load and Parse refuse bad files at start with messages that name the file
// position and the field (`dev.json:12:5: rate_limits.concurrency: want a number,
// got string`). A config never holds a secret: only the names of environment
// variables, a profile name, or a Secrets Manager ARN.
package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/drsync/drsync/shared/rewrite"
)

// Config is one sync pair. Build it with Load or Parse (which validate), or start
// from Default and call Validate after changing it.
type Config struct {
	// Pair names the pair; it keys the ledger, so it must stay stable.
	Pair   string   `json:"pair"`
	Source Endpoint `json:"source"`
	Target Endpoint `json:"target"`
	// Resources names the kinds to sync, as --resources does ("notebooks",
	// "jobs"); omitted means all. The kind adapters own the names, so they
	// are checked where the kinds are chosen (engine.OptionsFor).
	Resources []string `json:"resources"`
	// Include and Exclude are workspace path globs: "*" within a segment, "**"
	// any number of segments. A path is in scope when it matches an include
	// (or Include is empty) and no exclude.
	Include []string `json:"include"`
	Exclude []string `json:"exclude"`
	// PathMap rewrites source path prefixes to target ones; longest prefix wins.
	PathMap     []PathMapping `json:"path_map,omitempty"`
	WarmDR      WarmDR        `json:"warm_dr"`
	Drift       Drift         `json:"drift"`
	DeleteGuard DeleteGuard   `json:"delete_guard"`
	RateLimits  RateLimits    `json:"rate_limits"`
	// RetryTimeout is how long the SDK keeps retrying one call (whole seconds).
	RetryTimeout Duration `json:"retry_timeout"`
	// HTTPTimeout is the SDK's per-request inactivity timeout (whole seconds).
	HTTPTimeout Duration    `json:"http_timeout"`
	Replication Replication `json:"replication"`
	Ledger      Ledger      `json:"ledger"`
	Failover    Failover    `json:"failover"`
	// Rewrite are the typed rules that make a copy runnable in DR (instance
	// profiles, S3 paths, KMS keys, node types differ per region and
	// account), applied to the document built for the target.
	Rewrite []rewrite.Rule `json:"rewrite,omitempty"`
	// IDMap maps the ids of workspace objects drsync does not copy, which
	// jobs reference, to their DR ids; what it does not name is resolved by
	// name in DR.
	IDMap IDMap `json:"id_map,omitempty"`
}

// IDMap is, per type of object drsync does not copy, source id → DR id.
type IDMap struct {
	Warehouses   map[string]string `json:"warehouses,omitempty"`
	Pipelines    map[string]string `json:"pipelines,omitempty"`
	Destinations map[string]string `json:"destinations,omitempty"`
	// Queries, Dashboards and Alerts are found through id_map only.
	Queries    map[string]string `json:"queries,omitempty"`
	Dashboards map[string]string `json:"dashboards,omitempty"`
	Alerts     map[string]string `json:"alerts,omitempty"`
}

// Failover configures the failover and failback runbook.
type Failover struct {
	// MaxSyncAge is how old the last successful sync of a kind may be for the
	// standby to count as ready.
	MaxSyncAge Duration `json:"max_sync_age"`
	// FinalSyncTimeout bounds the last sync before the switch.
	FinalSyncTimeout Duration `json:"final_sync_timeout"`
	// FenceWait bounds the wait for a running sync to stop and free the lease.
	FenceWait Duration `json:"fence_wait"`
}

// Check is a validation beyond Validate that needs more than the config
// knows (which resource names exist); it returns *FieldError values joined,
// which Load and Parse locate in the file like their own.
type Check func(*Config) error

// Endpoint is one workspace: its URL and where its credentials come from.
type Endpoint struct {
	// Host is the workspace URL with its scheme, e.g. https://dbc-1234.cloud.databricks.com.
	Host string `json:"host"`
	// Region is the AWS region the workspace runs in (us-west-2); the stack
	// refuses to run the runbook beside the primary, and readiness reports it.
	Region string `json:"region,omitempty"`
	// Auth is optional: without it the CLI takes credentials from flags or the
	// DRSYNC_<SIDE>_* environment variables.
	Auth Auth `json:"auth"`
}

// Auth types.
const (
	AuthPAT     = "pat"       // personal access token read from TokenEnv
	AuthM2M     = "oauth-m2m" // service principal read from ClientIDEnv / ClientSecretEnv
	AuthProfile = "profile"   // a ~/.databrickscfg profile
	AuthSecret  = "secret"    // a Secrets Manager secret, resolved by the Lambda side
)

// Auth says where a workspace's credentials live, never what they are.
type Auth struct {
	Type            string `json:"type,omitempty"`
	TokenEnv        string `json:"token_env,omitempty"`
	ClientIDEnv     string `json:"client_id_env,omitempty"`
	ClientSecretEnv string `json:"client_secret_env,omitempty"`
	Profile         string `json:"profile,omitempty"`
	SecretARN       string `json:"secret_arn,omitempty"`
}

// IsZero reports whether no auth block was given.
func (a Auth) IsZero() bool { return a == Auth{} }

// PathMapping maps the source subtree From onto the target subtree To.
type PathMapping struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// WarmDR are the policies that keep DR copies cold until failover (DESIGN §4).
type WarmDR struct {
	PauseJobs         bool `json:"pause_jobs"`
	TerminateClusters bool `json:"terminate_clusters"`
	PinClusters       bool `json:"pin_clusters"`
	PoolMinIdleZero   bool `json:"pool_min_idle_zero"`
}

// Drift says what to do with objects changed by hand in the target.
type Drift struct {
	// Revert overwrites hand changes with the source version; false only reports them.
	Revert bool `json:"revert"`
}

// DeleteGuard refuses a run that would delete too much of what drsync manages.
type DeleteGuard struct {
	// MaxShare is the largest share of managed objects one run may delete, in (0,1].
	MaxShare float64 `json:"max_share"`
}

// RateLimits bound drsync's calls per workspace client.
type RateLimits struct {
	// RequestsPerSecond is the SDK client's token bucket (every attempt counts).
	RequestsPerSecond int `json:"requests_per_second"`
	// The next three pace the endpoints with their own published limits.
	ExportPerSecond     int `json:"export_per_second"`
	ImportPerSecond     int `json:"import_per_second"`
	JobsCreatePerSecond int `json:"jobs_create_per_second"`
	Concurrency         int `json:"concurrency"`
}

// Replication configures the S3 cross-region replication checks.
type Replication struct {
	// RPO is the oldest acceptable unreplicated object age.
	RPO         Duration     `json:"rpo"`
	BucketPairs []BucketPair `json:"bucket_pairs,omitempty"`
}

// BucketPair is one replicated location, each side as s3://bucket[/prefix].
type BucketPair struct {
	Source string `json:"source"`
	Target string `json:"target"`
	// Inventory optionally names where S3 Inventory delivers the source
	// bucket's CSV reports (s3://bucket/prefix/<source bucket>/<config id>),
	// for a bucket too big to list: the check then reads the latest report.
	Inventory string `json:"inventory,omitempty"`
}

// Ledger configures the CLI's embedded ledger file (Lambda uses DRSYNC_LEDGER_TABLE).
type Ledger struct {
	Path string `json:"path"`
}

// Default returns drsync's built-in defaults as a complete, valid example pair.
// Parse starts from the same values but clears the pair's identity (name,
// endpoints, path map, bucket pairs), so a file must always name its own
// workspaces and can never fall back to an example host.
func Default() *Config {
	return &Config{
		Pair:    "dev-to-dr",
		Source:  Endpoint{Host: "https://dev.cloud.databricks.com", Auth: Auth{Type: AuthPAT, TokenEnv: EnvSourceToken}},
		Target:  Endpoint{Host: "https://dr.cloud.databricks.com", Auth: Auth{Type: AuthPAT, TokenEnv: EnvTargetToken}},
		Include: []string{"/Users/**", "/Shared/**"},
		// Git folders are owned by their remote, and trash is not worth a copy.
		Exclude:     []string{"/Repos/**", "**/.Trash/**", "/Users/*/.Trash/**"},
		WarmDR:      WarmDR{PauseJobs: true, TerminateClusters: true, PinClusters: true, PoolMinIdleZero: true},
		Drift:       Drift{Revert: true},
		DeleteGuard: DeleteGuard{MaxShare: 0.2},
		// Each notebook write is an import plus a get-status, so the client's
		// overall budget must be about twice the import budget or it, not the
		// published per-endpoint limits, sets the pace.
		RateLimits:   RateLimits{RequestsPerSecond: 30, ExportPerSecond: 30, ImportPerSecond: 15, JobsCreatePerSecond: 10, Concurrency: 8},
		RetryTimeout: Duration{60 * time.Second},
		HTTPTimeout:  Duration{30 * time.Second},
		Replication:  Replication{RPO: Duration{15 * time.Minute}},
		Ledger:       Ledger{Path: "drsync-ledger.db"},
		Failover: Failover{MaxSyncAge: Duration{time.Hour}, FinalSyncTimeout: Duration{5 * time.Minute},
			FenceWait: Duration{3 * time.Minute}},
	}
}

// base is what a parsed file is decoded onto: the defaults minus the identity
// of the example pair.
func base() *Config {
	c := Default()
	c.Pair, c.Source, c.Target = "", Endpoint{}, Endpoint{}
	c.PathMap, c.Replication.BucketPairs = nil, nil
	return c
}

// Load reads, parses and validates the config file at path, with checks.
// Errors: the read error, or everything Parse reports.
func Load(path string, checks ...Check) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	return Parse(data, path, checks...)
}

// Parse decodes data (named name in messages) onto the defaults and validates
// it, then runs checks.
// Errors, all joined and each prefixed "name:line:col: field: ": JSON syntax,
// unknown or duplicate fields, literal secrets, type mismatches, bad durations,
// every Validate problem and every check's. The error's parts are *FieldError.
func Parse(data []byte, name string, checks ...Check) (*Config, error) {
	c := base()
	idx, err := decode(data, name, c)
	if err != nil {
		return nil, err
	}
	errs := []error{c.Validate()}
	for _, check := range checks {
		errs = append(errs, check(c))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, idx.locate(err)
	}
	return c, nil
}

// Duration is a time.Duration written in JSON as a Go duration string ("60s").
type Duration struct{ time.Duration }

// MarshalJSON writes the duration as a Go duration string.
func (d Duration) MarshalJSON() ([]byte, error) {
	return fmt.Appendf(nil, "%q", d.String()), nil
}

// UnmarshalJSON reads a Go duration string such as "90s" or "15m".
// Errors: a non-string value or a string time.ParseDuration rejects.
func (d *Duration) UnmarshalJSON(b []byte) error {
	if len(b) == 0 || b[0] != '"' {
		return errors.New("want a duration string like \"60s\"")
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("%q is not a duration like \"60s\" or \"15m\"", s)
	}
	d.Duration = v
	return nil
}
