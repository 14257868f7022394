package config

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// minimal is the smallest file Parse accepts: everything else defaults.
const minimal = `{
  "pair": "dev-to-dr",
  "source": {"host": "https://dev.example", "auth": {"type": "pat", "token_env": "DEV_TOKEN"}},
  "target": {"host": "https://dr.example"}
}`

func TestParseAppliesDefaults(t *testing.T) {
	c, err := Parse([]byte(minimal), "min.json")
	if err != nil {
		t.Fatal(err)
	}
	want := Default()
	want.Source = Endpoint{Host: "https://dev.example", Auth: Auth{Type: AuthPAT, TokenEnv: "DEV_TOKEN"}}
	want.Target = Endpoint{Host: "https://dr.example"}
	if !reflect.DeepEqual(c, want) {
		t.Fatalf("Parse(minimal) =\n%+v\nwant\n%+v", c, want)
	}
}

// A block given in part keeps the defaults of the fields it leaves out, and a
// list given replaces the default list.
func TestParseMergesBlocksReplacesLists(t *testing.T) {
	c, err := Parse([]byte(strings.TrimSuffix(minimal, "}")+`,
  "warm_dr": {"pause_jobs": false},
  "exclude": ["/Repos/**"],
  "retry_timeout": "2m"
}`), "dev.json")
	if err != nil {
		t.Fatal(err)
	}
	if c.WarmDR != (WarmDR{PauseJobs: false, TerminateClusters: true, PinClusters: true, PoolMinIdleZero: true}) {
		t.Errorf("warm_dr = %+v", c.WarmDR)
	}
	if !reflect.DeepEqual(c.Exclude, []string{"/Repos/**"}) {
		t.Errorf("exclude = %v", c.Exclude)
	}
	if c.RetryTimeout.Duration != 2*time.Minute {
		t.Errorf("retry_timeout = %v", c.RetryTimeout)
	}
}

// The example pair's identity is never a default: a file without a target is
// refused instead of syncing into an example host.
func TestParseRequiresIdentity(t *testing.T) {
	_, err := Parse([]byte(`{"source": {"host": "https://dev.example"}}`), "x.json")
	got := messages(t, err)
	want := []string{
		`x.json: pair: must be 1-64 characters of a-z, 0-9 and "-", got ""`,
		"x.json: target.host: required",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestParseMessages pins the decoding messages and their file positions.
func TestParseMessages(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"empty", "", []string{"dev.json:1:1: empty file; want a JSON object"}},
		{"blank", " \n ", []string{"dev.json:2:2: empty file; want a JSON object"}},
		{"array", "[]", []string{"dev.json:1:1: want a JSON object at the top level"}},
		{"trailing", "{}\n{}", []string{"dev.json:2:1: unexpected data after the top-level object"}},
		{"truncated", `{"pair": "x",`, []string{"dev.json:1:14: invalid JSON: unexpected EOF"}},
		{"missing comma", "{\n  \"pair\": \"x\"\n  \"drift\": {}\n}", []string{
			`dev.json:3:3: invalid JSON: invalid character '"' after object key:value pair`}},
		{"bad literal", `{"drift": {"revert": tru}}`, []string{
			"dev.json:1:20: invalid JSON: invalid character '}' in literal true (expecting 'e')"}},
		{"type errors", "{\n  \"rate_limits\": {\n    \"concurrency\": \"8\",\n    \"requests_per_second\": 1.5\n  },\n  \"include\": \"/Users/**\",\n  \"drift\": {\"revert\": \"yes\"},\n  \"warm_dr\": [],\n  \"pair\": null\n}", []string{
			"dev.json:3:5: rate_limits.concurrency: want a number, got string",
			"dev.json:4:5: rate_limits.requests_per_second: want a whole number, got 1.5",
			"dev.json:6:3: include: want an array, got string",
			"dev.json:7:13: drift.revert: want true or false, got string",
			"dev.json:8:3: warm_dr: want an object, got array",
			"dev.json:9:3: pair: want a string, got null",
		}},
		{"null list", `{"resources": ["jobs", null], "include": null}`, []string{"dev.json:1:24: resources[1]: want a string, got null"}},
		{"array element", `{"resources": ["jobs", 3]}`, []string{"dev.json:1:24: resources[1]: want a string, got number"}},
		{"object element", `{"path_map": [{"from": "/a", "to": 1}]}`, []string{"dev.json:1:30: path_map[0].to: want a string, got number"}},
		{"max share string", `{"delete_guard": {"max_share": "20%"}}`, []string{"dev.json:1:19: delete_guard.max_share: want a number, got string"}},
		{"durations", `{"retry_timeout": 60, "http_timeout": "30", "replication": {"rpo": {}}}`, []string{
			`dev.json:1:2: retry_timeout: want a duration string like "60s", got number`,
			`dev.json:1:23: http_timeout: "30" is not a duration like "60s" or "15m"`,
			`dev.json:1:61: replication.rpo: want a duration string like "60s", got object`,
		}},
		{"unknown", "{\n  \"pairs\": \"x\",\n  \"source\": {\"hostname\": \"h\", \"auth\": {\"type\": \"pat\", \"token_var\": \"T\"}}\n}", []string{
			"dev.json:2:3: pairs: unknown field",
			"dev.json:3:14: source.hostname: unknown field",
			"dev.json:3:55: source.auth.token_var: unknown field",
		}},
		{"duplicate", `{"pair": "a", "pair": "b"}`, []string{"dev.json:1:15: pair: duplicate field"}},
		{"secrets", "{\"source\": {\"auth\": {\"type\": \"pat\", \"token\": \"dapi123\"}},\n \"target\": {\"auth\": {\"Client_Secret\": \"s\", \"password\": \"p\"}}}", []string{
			`dev.json:1:37: source.auth.token: never put a token in the config; name the environment variable that holds it with "token_env"`,
			`dev.json:2:22: target.auth.Client_Secret: never put a client secret in the config; name the environment variable that holds it with "client_secret_env"`,
			`dev.json:2:44: target.auth.password: never put a password in the config; use an environment variable, a profile or a Secrets Manager ARN`,
		}},
		{"secret inside unknown block", `{"extra": {"token": "x"}}`, []string{
			"dev.json:1:2: extra: unknown field",
			`dev.json:1:12: extra.token: never put a token in the config; name the environment variable that holds it with "token_env"`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.in), "dev.json")
			got := messages(t, err)
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

// Validation problems found after decoding still point at their field.
func TestParseLocatesValidationErrors(t *testing.T) {
	in := strings.TrimSuffix(minimal, "}") + `,
  "delete_guard": {"max_share": 0},
  "exclude": ["/Repos/**", "Shared"]
}`
	_, err := Parse([]byte(in), "dev.json")
	got := messages(t, err)
	want := []string{
		`dev.json:7:28: exclude[1]: bad glob "Shared": must start with "/" or "**"`,
		"dev.json:6:20: delete_guard.max_share: must be in (0,1], got 0",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "dev.json")
	if err := os.WriteFile(good, []byte(minimal), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(good)
	if err != nil || c.Pair != "dev-to-dr" {
		t.Fatalf("Load = %+v, %v", c, err)
	}
	_, err = Load(filepath.Join(dir, "missing.json"))
	if !errors.Is(err, fs.ErrNotExist) || !strings.HasPrefix(err.Error(), "read config: ") {
		t.Fatalf("Load(missing) = %v, want a wrapped fs.ErrNotExist", err)
	}
}

// Default survives a JSON round trip through Parse unchanged: every field has
// a JSON name Parse accepts and durations marshal as strings.
func TestDefaultRoundTrip(t *testing.T) {
	data, err := json.MarshalIndent(Default(), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	c, err := Parse(data, "default.json")
	if err != nil {
		t.Fatalf("Parse(Default()) = %v\n%s", err, data)
	}
	if !reflect.DeepEqual(c, Default()) {
		t.Fatalf("round trip changed the defaults:\n%+v\n%+v", c, Default())
	}
	if !strings.Contains(string(data), `"retry_timeout": "1m0s"`) {
		t.Errorf("durations should marshal as strings:\n%s", data)
	}
}

func TestFieldErrorFormat(t *testing.T) {
	tests := []struct {
		e    FieldError
		want string
	}{
		{FieldError{Field: "pair", Msg: "m"}, "pair: m"},
		{FieldError{File: "f.json", Field: "pair", Msg: "m"}, "f.json: pair: m"},
		{FieldError{File: "f.json", Line: 2, Col: 3, Field: "pair", Msg: "m"}, "f.json:2:3: pair: m"},
		{FieldError{File: "f.json", Line: 1, Col: 1, Msg: "m"}, "f.json:1:1: m"},
	}
	for _, tt := range tests {
		if got := tt.e.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

// FuzzParse checks that no input makes Parse panic and that whatever it
// accepts is valid.
func FuzzParse(f *testing.F) {
	f.Add([]byte(minimal))
	f.Add([]byte(`{"rate_limits": {"concurrency": "8"}}`))
	f.Add([]byte(`{"a": [1, {"token": null}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data, "fuzz.json")
		if err == nil {
			if verr := c.Validate(); verr != nil {
				t.Fatalf("Parse accepted an invalid config: %v", verr)
			}
		}
	})
}

// messages renders each problem of err on its own line.
func messages(t *testing.T, err error) []string {
	t.Helper()
	var out []string
	for _, fe := range fieldErrors(t, err) {
		out = append(out, fe.Error())
	}
	return out
}

// Rewrite rules and id_map are decoded with the rest of the file, and a bad
// rule is refused at load with its line and field; a good one round-trips.
func TestParseRewriteRules(t *testing.T) {
	in := strings.TrimSuffix(minimal, "}") + `,
  "rewrite": [
    {"field": "node_type_id", "kinds": ["clusters"], "map": {"i3.xlarge": "i4i.xlarge"}},
    {"field": "cluster_log_conf.s3.region", "set": "us-east-1"},
    {"field": "x", "regex": {"pattern": "(", "replace": ""}},
    {"field": "z"}
  ],
  "id_map": {"warehouses": {"abc": ""}}
}`
	_, err := Parse([]byte(in), "dev.json")
	got := messages(t, err)
	want := []string{
		`dev.json:9:30: rewrite[2].regex.pattern: bad pattern "(": missing closing ): ` + "`(`",
		"dev.json:10:5: rewrite[3]: no operation: give exactly one of map, prefix, regex, set, drop",
		"dev.json:12:29: id_map.warehouses.abc: empty id: map a source id to a DR id",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	good := strings.TrimSuffix(minimal, "}") + `,
  "rewrite": [{"field": "custom_tags.cost-center", "drop": true}, {"field": "a.b", "set": "v"}],
  "id_map": {"pipelines": {"p-1": "p-9"}}
}`
	c, err := Parse([]byte(good), "dev.json")
	if err != nil {
		t.Fatal(err)
	}
	if !c.Rewrite[0].Drop || *c.Rewrite[1].Set != "v" || c.IDMap.Pipelines["p-1"] != "p-9" {
		t.Fatalf("decoded %+v %+v", c.Rewrite, c.IDMap)
	}
}
