package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/drsync/drsync/shared/config"
)

// pairsFile is the file cdk.json's "drsync:pairsFile" context value names.
// Each entry becomes one stack.
type pairsFile struct {
	Pairs []pairProps `json:"pairs"`
}

// pairProps configures the stack of one workspace pair. It holds names and
// ARNs only, never a credential.
type pairProps struct {
	// Pair names the pair and its stack ("drsync-<pair>"); it must equal the
	// sync config's "pair", which keys the ledger.
	Pair string `json:"pair"`
	// Account and Region pin the stack's environment; empty leaves the
	// template environment-agnostic.
	Account string `json:"account,omitempty"`
	Region  string `json:"region,omitempty"`
	// SyncConfig is the pair's sync config file (shared/config), relative to
	// the pairs file. The functions read it from a Lambda layer.
	SyncConfig string `json:"syncConfig"`
	// SourceSecretARN and TargetSecretARN are the complete ARNs (with the
	// six-character suffix) of the secrets holding each side's credentials.
	SourceSecretARN string `json:"sourceSecretArn"`
	TargetSecretARN string `json:"targetSecretArn"`
	// SecretsKeyARN is the customer-managed KMS key of those secrets; empty
	// when they use the aws/secretsmanager key.
	SecretsKeyARN string         `json:"secretsKeyArn,omitempty"`
	AuditLog      auditLogSource `json:"auditLog"`
	// SyncRate is how often the sync function runs (whole minutes, >= 2m).
	SyncRate config.Duration `json:"syncRate"`
	// StaleAfter is how long without a successful run raises the staleness
	// alarm (a multiple of 5m, at least twice SyncRate, at most 24h).
	StaleAfter       config.Duration `json:"staleAfter"`
	LogRetentionDays int             `json:"logRetentionDays"`
	// LogLevel is DRSYNC_LOG_LEVEL: debug, info, warn or error.
	LogLevel string `json:"logLevel"`
	// AlarmEmails are subscribed to the alarm topic (each must confirm).
	AlarmEmails []string `json:"alarmEmails,omitempty"`
	// AllowPrimaryRegion lets the stack run in the primary workspace's
	// region (the sync config's source.region), which the synth refuses
	// otherwise: an outage of that region would take the runbook and its
	// ledger down with the primary. For drills in one region.
	AllowPrimaryRegion bool `json:"allowPrimaryRegion,omitempty"`

	// configPath is SyncConfig resolved against the pairs file's folder.
	configPath string
	// cfg is the sync config at configPath once validate has loaded it.
	cfg *config.Config
}

// auditLogSource is where Databricks delivers the workspace audit logs.
type auditLogSource struct {
	// Bucket is imported by name; it must send events to EventBridge.
	Bucket string `json:"bucket"`
	// Prefix limits the trigger (and the read grant) to the delivery prefix.
	Prefix string `json:"prefix"`
}

// Defaults for the optional pair settings.
const (
	defaultSyncRate         = 15 * time.Minute
	defaultStaleAfter       = time.Hour
	defaultLogRetentionDays = 90
	defaultLogLevel         = "info"
)

// loadPairs reads and validates the pairs file at path and returns one
// pairProps per pair, defaults applied and the sync config paths resolved.
// Errors: the read error; JSON syntax, unknown fields or trailing data;
// and every validation problem, joined, each naming its pairs[i] field.
func loadPairs(path string) ([]pairProps, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read pairs file: %w", err)
	}
	var f pairsFile
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%s: trailing data after the JSON object", path)
	}
	if err := finishPairs(f.Pairs, filepath.Dir(path)); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return f.Pairs, nil
}

// finishPairs applies defaults, resolves paths against dir and validates every
// pair, returning all problems joined.
func finishPairs(pairs []pairProps, dir string) error {
	if len(pairs) == 0 {
		return errors.New("pairs: at least one pair is required")
	}
	var errs []error
	seen := map[string]bool{}
	for i := range pairs {
		p := &pairs[i]
		p.applyDefaults(dir)
		for _, err := range p.validate() {
			errs = append(errs, fmt.Errorf("pairs[%d].%w", i, err))
		}
		if seen[p.Pair] {
			errs = append(errs, fmt.Errorf("pairs[%d].pair: %q is listed twice (it names the stack)", i, p.Pair))
		}
		seen[p.Pair] = true
	}
	return errors.Join(errs...)
}

// applyDefaults fills the optional settings left empty and resolves the sync
// config path against the pairs file's folder dir.
func (p *pairProps) applyDefaults(dir string) {
	if p.SyncRate.Duration == 0 {
		p.SyncRate.Duration = defaultSyncRate
	}
	if p.StaleAfter.Duration == 0 {
		p.StaleAfter.Duration = defaultStaleAfter
	}
	if p.LogRetentionDays == 0 {
		p.LogRetentionDays = defaultLogRetentionDays
	}
	if p.LogLevel == "" {
		p.LogLevel = defaultLogLevel
	}
	if p.SyncConfig != "" {
		p.configPath = p.SyncConfig
		if !filepath.IsAbs(p.configPath) {
			p.configPath = filepath.Join(dir, p.configPath)
		}
	}
}

// syncConfig is the pair's sync config as validate loaded it, or the
// defaults when it has not (or could not: validate reports why).
func (p *pairProps) syncConfig() *config.Config {
	if p.cfg != nil {
		return p.cfg
	}
	return config.Default()
}

// stackName is the CloudFormation stack (and construct) name of the pair.
func (p *pairProps) stackName() string { return "drsync-" + p.Pair }
