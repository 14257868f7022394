package main

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The committed example loads, with the sync config resolved next to it.
func TestLoadExamplePairs(t *testing.T) {
	pairs, err := loadPairs(filepath.Join("sync-config", "pairs.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(pairs) != 1 || pairs[0].Pair != "dev-to-dr" || pairs[0].configPath != filepath.Join("sync-config", "dev-to-dr.json") {
		t.Fatalf("pairs = %+v", pairs)
	}
}

// Omitted optional settings get the documented defaults.
func TestPairDefaults(t *testing.T) {
	p := validPair(t)
	for _, k := range []string{"syncRate", "staleAfter", "logRetentionDays", "logLevel", "alarmEmails"} {
		delete(p, k)
	}
	pairs, err := loadPairs(writePairs(t, p))
	if err != nil {
		t.Fatal(err)
	}
	got := pairs[0]
	if got.SyncRate.Duration != 15*time.Minute || got.StaleAfter.Duration != time.Hour ||
		got.LogRetentionDays != 90 || got.LogLevel != "info" {
		t.Errorf("defaults = rate %s, stale %s, retention %d, level %q", got.SyncRate, got.StaleAfter, got.LogRetentionDays, got.LogLevel)
	}
}

// Bad props are refused at synth with the field that is wrong, before any
// construct exists (a jsii panic or a failed deploy would say far less).
func TestPairValidation(t *testing.T) {
	cases := []struct {
		name string
		edit func(p obj, dir string)
		want string
	}{
		{"pair name", func(p obj, _ string) { p["pair"] = "Dev_DR" }, "pairs[0].pair:"},
		{"partial secret ARN", func(p obj, _ string) {
			p["sourceSecretArn"] = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:drsync/src"
		}, "pairs[0].sourceSecretArn:"},
		{"secret name", func(p obj, _ string) { p["targetSecretArn"] = "drsync/target" }, "pairs[0].targetSecretArn:"},
		{"kms key", func(p obj, _ string) { p["secretsKeyArn"] = "alias/drsync" }, "pairs[0].secretsKeyArn:"},
		{"bucket", func(p obj, _ string) { p["auditLog"] = obj{"bucket": "Bad_Bucket"} }, "pairs[0].auditLog.bucket:"},
		{"wildcard prefix", func(p obj, _ string) {
			p["auditLog"] = obj{"bucket": "logs-bucket", "prefix": "audit-*"}
		}, "pairs[0].auditLog.prefix:"},
		{"sub-minute rate", func(p obj, _ string) { p["syncRate"] = "90s" }, "pairs[0].syncRate:"},
		{"staleness under two ticks", func(p obj, _ string) { p["staleAfter"] = "25m" }, "must be at least twice syncRate"},
		{"staleness over a day", func(p obj, _ string) { p["staleAfter"] = "25h" }, "pairs[0].staleAfter: want a multiple"},
		{"retention", func(p obj, _ string) { p["logRetentionDays"] = 10 }, "pairs[0].logRetentionDays:"},
		{"log level", func(p obj, _ string) { p["logLevel"] = "verbose" }, "pairs[0].logLevel:"},
		{"email", func(p obj, _ string) { p["alarmEmails"] = []any{"oncall"} }, "pairs[0].alarmEmails[0]:"},
		{"unknown field", func(p obj, _ string) { p["sourceToken"] = "dapi123" }, `unknown field "sourceToken"`},
		{"account", func(p obj, _ string) { p["account"] = "12345" }, "pairs[0].account:"},
		{"missing sync config", func(p obj, _ string) { delete(p, "syncConfig") }, "pairs[0].syncConfig: required"},
		{"unreadable sync config", func(p obj, _ string) { p["syncConfig"] = "nope.json" }, "pairs[0].syncConfig: read config"},
		{"sync config of another pair", func(p obj, dir string) {
			p["syncConfig"] = writeSyncConfig(t, dir, obj{"pair": "other"})
		}, `the file's pair is "other"`},
		{"token auth in Lambda", func(p obj, dir string) {
			p["syncConfig"] = writeSyncConfig(t, dir, obj{"source": obj{
				"host": "https://a.cloud.databricks.com", "auth": obj{"type": "pat", "token_env": "DRSYNC_SOURCE_TOKEN"},
			}})
		}, `source.auth.type is "pat"`},
		{"other secret in sync config", func(p obj, dir string) {
			p["syncConfig"] = writeSyncConfig(t, dir, obj{"target": obj{
				"host": "https://b.cloud.databricks.com", "auth": obj{"type": "secret",
					"secret_arn": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:other-XyZabc"},
			}})
		}, "target.auth.secret_arn"},
		{"final sync beyond one invocation", func(p obj, dir string) {
			p["syncConfig"] = writeSyncConfig(t, dir, obj{"failover": obj{"final_sync_timeout": "14m", "fence_wait": "3m", "max_sync_age": "1h"}})
		}, "failover.final_sync_timeout (14m0s) + failover.fence_wait (3m0s) + 1m0s must fit Lambda's 15m0s limit"},
		{"workspace region", func(p obj, dir string) {
			p["syncConfig"] = writeSyncConfig(t, dir, obj{"source": obj{"host": "https://a.cloud.databricks.com", "region": "Ireland"}})
		}, `source.region: want a region like eu-west-1, got "Ireland"`},
		{"invalid sync config", func(p obj, dir string) {
			p["syncConfig"] = writeSyncConfig(t, dir, obj{"delete_guard": obj{"max_share": 7}})
		}, "delete_guard.max_share"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := validPair(t)
			dir := t.TempDir()
			c.edit(p, dir)
			_, err := loadPairs(writePairsIn(t, dir, p))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("loadPairs error = %v, want one containing %q", err, c.want)
			}
		})
	}
}

// A pair listed twice would make two stacks with one name.
func TestDuplicatePair(t *testing.T) {
	p := validPair(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "pairs.json")
	writeJSON(t, path, obj{"pairs": []any{p, p}})
	_, err := loadPairs(path)
	if err == nil || !strings.Contains(err.Error(), `pairs[1].pair: "dev-to-dr" is listed twice`) {
		t.Errorf("error = %v, want the duplicate named", err)
	}
}

// validPair is the committed example pair with an absolute sync config path,
// so it stays valid when written to a temporary folder.
func validPair(t *testing.T) obj {
	t.Helper()
	p := readExamplePairs(t)[0]
	p["syncConfig"] = filepath.Join(repoDir(t), "infra", "sync-config", "dev-to-dr.json")
	return p
}

// writePairs writes a pairs file holding p to a temporary folder.
func writePairs(t *testing.T, p obj) string {
	t.Helper()
	return writePairsIn(t, t.TempDir(), p)
}

func writePairsIn(t *testing.T, dir string, p obj) string {
	t.Helper()
	path := filepath.Join(dir, "pairs.json")
	writeJSON(t, path, obj{"pairs": []any{p}})
	return path
}

// writeSyncConfig writes the example sync config with the top-level fields of
// override replaced, returning its path.
func writeSyncConfig(t *testing.T, dir string, override obj) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("sync-config", "dev-to-dr.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg obj
	if err := json.Unmarshal(data, &cfg); err != nil {
		t.Fatal(err)
	}
	maps.Copy(cfg, override)
	path := filepath.Join(dir, "sync.json")
	writeJSON(t, path, cfg)
	return path
}

// The runbook and its ledger must outlive the primary's region: a stack
// there (pinned, or where the CLI deploys an unpinned one) is refused with
// both regions and the override named, unless the pair allows it.
func TestStackRefusesThePrimaryRegion(t *testing.T) {
	const primary, dr = "eu-west-1", "eu-central-1" // the example sync config's source and target
	for _, c := range []struct {
		name, pinned, deployRegion string
		allow, refused             bool
	}{
		{"pinned to the primary's region", primary, "", false, true},
		{"deployed by the CLI into the primary's region", "", primary, false, true},
		{"pinned to the DR region", dr, primary, false, false},
		{"deployed by the CLI into the DR region", "", dr, false, false},
		{"unknown until deploy (the template's rule checks)", "", "", false, false},
		{"in the primary's region, allowed", primary, "", true, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv(envDeployRegion, c.deployRegion)
			p := validPair(t)
			if c.pinned != "" {
				p["region"] = c.pinned
			}
			if c.allow {
				p["allowPrimaryRegion"] = true
			}
			_, err := loadPairs(writePairs(t, p))
			if !c.refused {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			for _, want := range []string{"pairs[0].region:", "would run in " + primary, "source.region " + primary, "target.region " + dr, `"allowPrimaryRegion": true`} {
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Errorf("error %v, want it to contain %q", err, want)
				}
			}
		})
	}
}

// An unpinned stack's region is known only at deploy time: CloudFormation
// then refuses the primary's region by the template's rule. A pinned stack
// (checked at synth) or an allowed pair has no such rule.
func TestPrimaryRegionRuleAtDeploy(t *testing.T) {
	rules, _ := exampleStack(t).doc["Rules"].(map[string]any)
	rule, _ := rules["NotInPrimaryRegion"].(map[string]any)
	assertions, _ := rule["Assertions"].([]any)
	if len(assertions) != 1 {
		t.Fatalf("rules %v: want NotInPrimaryRegion with one assertion", rules)
	}
	assertJSON(t, "assertion", assertions[0].(map[string]any)["Assert"],
		obj{"Fn::Not": []any{obj{"Fn::Equals": []any{ref("AWS::Region"), "eu-west-1"}}}})

	allowed := validPair(t)
	allowed["allowPrimaryRegion"] = true
	stacks, err := synthApp(map[string]any{contextPairsFile: writePairs(t, allowed)})
	if err != nil {
		t.Fatal(err)
	}
	if rules, _ := stacks[0].doc["Rules"].(map[string]any); rules["NotInPrimaryRegion"] != nil {
		t.Errorf("a pair allowed in the primary's region still has the rule: %v", rules)
	}
}
