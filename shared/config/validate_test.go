package config

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestDefaultValidates(t *testing.T) {
	if err := Default().Validate(); err != nil {
		t.Fatalf("Default().Validate() = %v", err)
	}
}

// TestValidateMessages pins every validation message: each case breaks one
// thing in an otherwise valid config and expects exactly one problem.
func TestValidateMessages(t *testing.T) {
	tests := []struct {
		name string
		edit func(c *Config)
		want string
	}{
		{"pair empty", func(c *Config) { c.Pair = "" }, `pair: must be 1-64 characters of a-z, 0-9 and "-", got ""`},
		{"pair upper", func(c *Config) { c.Pair = "Dev_DR" }, `pair: must be 1-64 characters of a-z, 0-9 and "-", got "Dev_DR"`},
		{"pair long", func(c *Config) { c.Pair = strings.Repeat("a", 65) }, `pair: must be 1-64 characters of a-z, 0-9 and "-", got "` + strings.Repeat("a", 65) + `"`},

		{"host missing", func(c *Config) { c.Source.Host = "" }, "source.host: required"},
		{"host no scheme", func(c *Config) { c.Source.Host = "dev.cloud.databricks.com" }, "source.host: must start with https:// or http://"},
		{"host localhost port", func(c *Config) { c.Target.Host = "localhost:8765" }, "target.host: must start with https:// or http://"},
		{"host bad url", func(c *Config) { c.Source.Host = "https://a b" }, `source.host: not a URL: invalid character " " in host name`},
		{"host credentials", func(c *Config) { c.Source.Host = "https://u:p@dev.example" }, "source.host: must not carry credentials"},
		{"host empty name", func(c *Config) { c.Source.Host = "https://" }, "source.host: has no host name"},
		{"host path", func(c *Config) { c.Source.Host = "https://dev.example/o/123" }, "source.host: must be the workspace URL only, without path, query or fragment"},
		{"host query", func(c *Config) { c.Source.Host = "https://dev.example/?o=1" }, "source.host: must be the workspace URL only, without path, query or fragment"},
		{"http to a remote host", func(c *Config) { c.Target.Host = "http://dr.cloud.databricks.com" }, "target.host: " + clearText},
		{"http to a private address", func(c *Config) { c.Source.Host = "http://10.0.0.7:8080" }, "source.host: " + clearText},
		{"http to a name under localhost", func(c *Config) { c.Source.Host = "http://localhost.example.com" }, "source.host: " + clearText},
		{"host bad port", func(c *Config) { c.Source.Host = "https://dev.example:70000" }, `source.host: port "70000": want 1-65535`},
		{"same host", func(c *Config) { c.Target.Host = "https://DEV.cloud.databricks.com/" }, "target.host: must differ from source.host (a workspace cannot be its own DR copy)"},

		{"auth type missing", func(c *Config) { c.Source.Auth.Type = "" }, "source.auth.type: required (pat, oauth-m2m, profile or secret)"},
		{"auth type unknown", func(c *Config) { c.Source.Auth.Type = "basic" }, `source.auth.type: unknown auth type "basic" (want pat, oauth-m2m, profile or secret)`},
		{"pat without env", func(c *Config) { c.Source.Auth.TokenEnv = "" }, `source.auth.token_env: required for auth type "pat"`},
		{"pat bad env name", func(c *Config) { c.Source.Auth.TokenEnv = "MY-TOKEN" }, `source.auth.token_env: must be an environment variable name ([A-Za-z_][A-Za-z0-9_]*), got "MY-TOKEN"`},
		{"pat literal token", func(c *Config) { c.Source.Auth.TokenEnv = "dapi0123456789abcdef" }, "source.auth.token_env: looks like a Databricks secret, not an environment variable name; put the secret in a variable and name that variable here"},
		{"pat stray field", func(c *Config) { c.Source.Auth.Profile = "dev" }, `source.auth.profile: not used by auth type "pat"`},
		{"m2m missing id", func(c *Config) {
			c.Target.Auth = Auth{Type: AuthM2M, ClientSecretEnv: "SECRET"}
		}, `target.auth.client_id_env: required for auth type "oauth-m2m"`},
		{"m2m literal secret", func(c *Config) {
			c.Target.Auth = Auth{Type: AuthM2M, ClientIDEnv: "ID", ClientSecretEnv: "dose0123"}
		}, "target.auth.client_secret_env: looks like a Databricks secret, not an environment variable name; put the secret in a variable and name that variable here"},
		{"profile missing", func(c *Config) { c.Target.Auth = Auth{Type: AuthProfile} }, `target.auth.profile: required for auth type "profile"`},
		{"profile bad name", func(c *Config) { c.Target.Auth = Auth{Type: AuthProfile, Profile: "[dr]"} }, `target.auth.profile: not a profile name: "[dr]"`},
		{"secret bad arn", func(c *Config) { c.Target.Auth = Auth{Type: AuthSecret, SecretARN: "arn:aws:s3:::bucket"} }, `target.auth.secret_arn: must be a Secrets Manager ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>), got "arn:aws:s3:::bucket"`},
		{"secret stray env", func(c *Config) {
			c.Target.Auth = Auth{Type: AuthSecret, SecretARN: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:dr-AbCdEf", TokenEnv: "X"}
		}, `target.auth.token_env: not used by auth type "secret"`},

		{"resources empty", func(c *Config) { c.Resources = []string{} }, "resources: empty; omit the field to sync every kind"},
		{"resources duplicate", func(c *Config) { c.Resources = []string{"jobs", "pools", "jobs"} }, `resources[2]: duplicate resource "jobs"`},

		{"include empty", func(c *Config) { c.Include = []string{""} }, `include[0]: bad glob "": empty pattern`},
		{"include relative", func(c *Config) { c.Include = []string{"/Users/**", "Shared/**"} }, `include[1]: bad glob "Shared/**": must start with "/" or "**"`},
		{"exclude double slash", func(c *Config) { c.Exclude = []string{"/Repos//x"} }, `exclude[0]: bad glob "/Repos//x": empty path segment ("//" or a trailing "/")`},
		{"exclude trailing slash", func(c *Config) { c.Exclude = []string{"/Repos/"} }, `exclude[0]: bad glob "/Repos/": empty path segment ("//" or a trailing "/")`},
		{"exclude partial starstar", func(c *Config) { c.Exclude = []string{"/a**"} }, `exclude[0]: bad glob "/a**": "**" must be a whole path segment`},
		{"exclude bad class", func(c *Config) { c.Exclude = []string{"/Users/[a-"} }, `exclude[0]: bad glob "/Users/[a-": bad segment pattern [a-`},

		{"map from missing", func(c *Config) { c.PathMap = []PathMapping{{To: "/Shared/dr"}} }, "path_map[0].from: required"},
		{"map to relative", func(c *Config) { c.PathMap = []PathMapping{{From: "/Shared/prod", To: "Shared/dr"}} }, `path_map[0].to: must be an absolute workspace path, got "Shared/dr"`},
		{"map root", func(c *Config) { c.PathMap = []PathMapping{{From: "/", To: "/dr"}} }, `path_map[0].from: must not be "/" (map a folder, not the whole workspace)`},
		{"map unclean", func(c *Config) { c.PathMap = []PathMapping{{From: "/Shared/prod/", To: "/Shared/dr"}} }, `path_map[0].from: must be a clean path without a trailing slash, "//", "." or ".." (want "/Shared/prod")`},
		{"map to itself", func(c *Config) { c.PathMap = []PathMapping{{From: "/Shared/x", To: "/Shared/x"}} }, `path_map[0].to: maps "/Shared/x" to itself`},
		{"map duplicate from", func(c *Config) {
			c.PathMap = []PathMapping{{From: "/a", To: "/x"}, {From: "/a", To: "/y"}}
		}, `path_map[1].from: "/a" is already mapped by path_map[0]`},
		{"map same to", func(c *Config) {
			c.PathMap = []PathMapping{{From: "/a", To: "/x"}, {From: "/b", To: "/x"}}
		}, `path_map[1].to: "/x" overlaps path_map[0].to "/x"; two source paths could map to one target path`},
		{"map nested to", func(c *Config) {
			c.PathMap = []PathMapping{{From: "/a", To: "/x/b"}, {From: "/b", To: "/x"}}
		}, `path_map[1].to: "/x" overlaps path_map[0].to "/x/b"; two source paths could map to one target path`},

		{"max share zero", func(c *Config) { c.DeleteGuard.MaxShare = 0 }, "delete_guard.max_share: must be in (0,1], got 0"},
		{"max share above one", func(c *Config) { c.DeleteGuard.MaxShare = 1.5 }, "delete_guard.max_share: must be in (0,1], got 1.5"},
		{"rps zero", func(c *Config) { c.RateLimits.RequestsPerSecond = 0 }, "rate_limits.requests_per_second: must be at least 1, got 0"},
		{"export zero", func(c *Config) { c.RateLimits.ExportPerSecond = 0 }, "rate_limits.export_per_second: must be at least 1, got 0"},
		{"import negative", func(c *Config) { c.RateLimits.ImportPerSecond = -1 }, "rate_limits.import_per_second: must be at least 1, got -1"},
		{"jobs create zero", func(c *Config) { c.RateLimits.JobsCreatePerSecond = 0 }, "rate_limits.jobs_create_per_second: must be at least 1, got 0"},
		{"concurrency zero", func(c *Config) { c.RateLimits.Concurrency = 0 }, "rate_limits.concurrency: must be at least 1, got 0"},
		{"retry negative", func(c *Config) { c.RetryTimeout.Duration = -time.Second }, "retry_timeout: must be at least 1s, got -1s"},
		{"retry sub second", func(c *Config) { c.RetryTimeout.Duration = 500 * time.Millisecond }, "retry_timeout: must be at least 1s, got 500ms"},
		{"http fraction", func(c *Config) { c.HTTPTimeout.Duration = 1500 * time.Millisecond }, "http_timeout: must be whole seconds (the SDK counts seconds), got 1.5s"},

		{"rpo zero", func(c *Config) { c.Replication.RPO.Duration = 0 }, "replication.rpo: must be positive, got 0s"},
		{"bucket scheme", func(c *Config) {
			c.Replication.BucketPairs = []BucketPair{{Source: "https://a/p", Target: "s3://b/p"}}
		}, `replication.bucket_pairs[0].source: must be s3://bucket or s3://bucket/prefix, got "https://a/p"`},
		{"bucket upper", func(c *Config) {
			c.Replication.BucketPairs = []BucketPair{{Source: "s3://a/p", Target: "s3://Bucket"}}
		}, `replication.bucket_pairs[0].target: must be s3://bucket or s3://bucket/prefix, got "s3://Bucket"`},
		{"bucket same", func(c *Config) {
			c.Replication.BucketPairs = []BucketPair{{Source: "s3://a/p", Target: "s3://a/p/"}}
		}, "replication.bucket_pairs[0].target: must differ from the source location"},
		{"inventory scheme", func(c *Config) {
			c.Replication.BucketPairs = []BucketPair{{Source: "s3://a/p", Target: "s3://b/p", Inventory: "inventory/a"}}
		}, `replication.bucket_pairs[0].inventory: must be s3://bucket or s3://bucket/prefix, got "inventory/a"`},

		{"ledger path", func(c *Config) { c.Ledger.Path = "" }, "ledger.path: required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			tt.edit(c)
			errs := fieldErrors(t, c.Validate())
			if len(errs) != 1 || errs[0].Error() != tt.want {
				t.Fatalf("Validate() =\n%v\nwant exactly:\n%s", errors.Join(asErrors(errs)...), tt.want)
			}
		})
	}
}

// clearText is the refusal of an http:// host that is not a loopback address.
const clearText = "must use https:// (http:// would send the token in clear text; it is allowed only for loopback addresses: 127.0.0.0/8, ::1, localhost)"

// TestValidateAccepts covers valid variants that a too-strict check might refuse.
func TestValidateAccepts(t *testing.T) {
	tests := []struct {
		name string
		edit func(c *Config)
	}{
		{"http loopback", func(c *Config) { c.Source.Host = "http://127.0.0.1:8765" }},
		{"http loopback range", func(c *Config) { c.Source.Host = "http://127.8.9.10:8765" }},
		{"http localhost", func(c *Config) { c.Source.Host = "http://LocalHost.:8765" }},
		{"http ipv6 loopback", func(c *Config) { c.Source.Host = "http://[::1]:8765" }},
		{"trailing slash", func(c *Config) { c.Source.Host = "https://dev.example/" }},
		{"no auth block", func(c *Config) { c.Source.Auth, c.Target.Auth = Auth{}, Auth{} }},
		{"m2m", func(c *Config) { c.Source.Auth = Auth{Type: AuthM2M, ClientIDEnv: "ID", ClientSecretEnv: "SECRET"} }},
		{"profile", func(c *Config) { c.Source.Auth = Auth{Type: AuthProfile, Profile: "dev"} }},
		{"secret govcloud", func(c *Config) {
			c.Target.Auth = Auth{Type: AuthSecret, SecretARN: "arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:drsync/target-AbCdEf"}
		}},
		{"nil resources", func(c *Config) { c.Resources = nil }},
		{"explicit directories", func(c *Config) { c.Resources = []string{"directories"} }},
		{"no include", func(c *Config) { c.Include = nil }},
		{"root glob", func(c *Config) { c.Include = []string{"/"} }},
		{"nested froms", func(c *Config) {
			c.PathMap = []PathMapping{{From: "/Shared/prod", To: "/Shared/dr"}, {From: "/Shared/prod/special", To: "/Shared/special-dr"}}
		}},
		{"to inside other from", func(c *Config) {
			c.PathMap = []PathMapping{{From: "/a", To: "/b/x"}, {From: "/b", To: "/c"}}
		}},
		{"sibling tos", func(c *Config) {
			c.PathMap = []PathMapping{{From: "/a", To: "/x/a"}, {From: "/b", To: "/x/ab"}}
		}},
		{"max share one", func(c *Config) { c.DeleteGuard.MaxShare = 1 }},
		{"bucket pairs", func(c *Config) {
			c.Replication.BucketPairs = []BucketPair{{Source: "s3://a/prefix", Target: "s3://b/prefix"}, {Source: "s3://data-eu.1", Target: "s3://data-us.1"}}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			tt.edit(c)
			if err := c.Validate(); err != nil {
				t.Fatalf("Validate() = %v", err)
			}
		})
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	c := Default()
	c.Pair = ""
	c.Source.Host = "dev"
	c.DeleteGuard.MaxShare = 2
	c.RateLimits.Concurrency = 0
	got := fieldErrors(t, c.Validate())
	want := []string{"pair", "source.host", "delete_guard.max_share", "rate_limits.concurrency"}
	if len(got) != len(want) {
		t.Fatalf("got %d problems, want %d: %v", len(got), len(want), got)
	}
	for i, fe := range got {
		if fe.Field != want[i] {
			t.Errorf("problem %d names %q, want %q", i, fe.Field, want[i])
		}
	}
}

// fieldErrors unpacks a Validate or Parse error into its *FieldError parts.
func fieldErrors(t *testing.T, err error) []*FieldError {
	t.Helper()
	if err == nil {
		return nil
	}
	var out []*FieldError
	for _, e := range flatten(err) {
		var fe *FieldError
		if !errors.As(e, &fe) {
			t.Fatalf("problem %v (%T) is not a *FieldError", e, e)
		}
		out = append(out, fe)
	}
	return out
}

func asErrors(fes []*FieldError) []error {
	out := make([]error, len(fes))
	for i, fe := range fes {
		out[i] = fe
	}
	return out
}
