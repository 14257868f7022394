package main

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/drsync/drsync/shared/config"
)

var (
	pairName = regexp.MustCompile(`^[a-z0-9-]{1,64}$`)
	account  = regexp.MustCompile(`^[0-9]{12}$`)
	region   = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]$`)
	// completeSecretARN ends in the six characters Secrets Manager appends to
	// the name; only a complete ARN lets the grant name exactly one secret.
	completeSecretARN = regexp.MustCompile(`^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@-]+-[A-Za-z0-9]{6}$`)
	kmsKeyARN         = regexp.MustCompile(`^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$`)
	bucketName        = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
	email             = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)
)

// Alarm limits: the staleness alarm looks at 5-minute periods, and CloudWatch
// evaluates at most one day of them.
const (
	alarmPeriod   = 5 * time.Minute
	maxStaleAfter = 24 * time.Hour
	minSyncRate   = 2 * time.Minute
)

// problems collects every problem with one pair, so one synth reports them all.
type problems []error

// add records a problem with field; its message reads "field: msg".
func (ps *problems) add(field, format string, args ...any) {
	*ps = append(*ps, fmt.Errorf("%s: %s", field, fmt.Sprintf(format, args...)))
}

// validate returns every problem with p, each naming its JSON field.
func (p *pairProps) validate() []error {
	var ps problems
	p.checkIdentity(&ps)
	checkSecretARN(&ps, "sourceSecretArn", p.SourceSecretARN)
	checkSecretARN(&ps, "targetSecretArn", p.TargetSecretARN)
	if p.SecretsKeyARN != "" && !kmsKeyARN.MatchString(p.SecretsKeyARN) {
		ps.add("secretsKeyArn", "want a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>), got %q", p.SecretsKeyARN)
	}
	p.AuditLog.check(&ps)
	p.checkTiming(&ps)
	p.checkLogging(&ps)
	for i, e := range p.AlarmEmails {
		if !email.MatchString(e) {
			ps.add(fmt.Sprintf("alarmEmails[%d]", i), "%q is not an e-mail address", e)
		}
	}
	if p.configPath == "" {
		ps.add("syncConfig", "required: the pair's sync config file")
	} else {
		p.checkSyncConfig(&ps)
	}
	return ps
}

// checkIdentity validates the pair name and the optional environment.
func (p *pairProps) checkIdentity(ps *problems) {
	if !pairName.MatchString(p.Pair) {
		ps.add("pair", `must be 1-64 characters of a-z, 0-9 and "-", got %q`, p.Pair)
	}
	if p.Account != "" && !account.MatchString(p.Account) {
		ps.add("account", "want 12 digits, got %q", p.Account)
	}
	if p.Region != "" && !region.MatchString(p.Region) {
		ps.add("region", "want a region like eu-west-1, got %q", p.Region)
	}
}

// checkSecretARN requires a complete Secrets Manager ARN in field.
func checkSecretARN(ps *problems, field, arn string) {
	if !completeSecretARN.MatchString(arn) {
		ps.add(field, "want the complete secret ARN as create-secret prints it (ending in -XXXXXX), got %q", arn)
	}
}

// check validates the audit-log bucket name and prefix. Wildcards are refused
// because the prefix becomes part of an IAM resource ARN.
func (a auditLogSource) check(ps *problems) {
	if !bucketName.MatchString(a.Bucket) {
		ps.add("auditLog.bucket", "want an S3 bucket name, got %q", a.Bucket)
	}
	if strings.HasPrefix(a.Prefix, "/") || strings.ContainsAny(a.Prefix, "*?") {
		ps.add("auditLog.prefix", `must not start with "/" or contain "*" or "?", got %q`, a.Prefix)
	}
}

// checkTiming validates the schedule and the staleness limit against each
// other and against what EventBridge and CloudWatch accept.
func (p *pairProps) checkTiming(ps *problems) {
	rate, stale := p.SyncRate.Duration, p.StaleAfter.Duration
	if rate < minSyncRate || rate%time.Minute != 0 {
		ps.add("syncRate", "want whole minutes, at least %s, got %s", minSyncRate, rate)
	}
	if stale%alarmPeriod != 0 || stale > maxStaleAfter {
		ps.add("staleAfter", "want a multiple of %s up to %s, got %s", alarmPeriod, maxStaleAfter, stale)
	}
	// One late or failed tick must not page anyone.
	if stale < 2*rate {
		ps.add("staleAfter", "must be at least twice syncRate (%s), got %s", rate, stale)
	}
}

// checkLogging validates the retention and the functions' log level.
func (p *pairProps) checkLogging(ps *problems) {
	if _, ok := retentionDays[p.LogRetentionDays]; !ok {
		ps.add("logRetentionDays", "%d is not a CloudWatch Logs retention (1, 3, 5, 7, 14, 30, 60, 90, ..., 3653)", p.LogRetentionDays)
	}
	switch p.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		ps.add("logLevel", "want debug, info, warn or error, got %q", p.LogLevel)
	}
}

// checkSyncConfig loads the pair's sync config so a bad file fails the synth,
// not the first Lambda run, and checks it agrees with the props: same pair
// name, and credentials that the functions can reach (a Secrets Manager
// secret, the very one the stack grants, or no auth block at all).
func (p *pairProps) checkSyncConfig(ps *problems) {
	cfg, err := config.Load(p.configPath)
	if err != nil {
		// One line per config problem keeps the field prefix on each of them.
		for _, line := range strings.Split(err.Error(), "\n") {
			ps.add("syncConfig", "%s", line)
		}
		return
	}
	p.cfg = cfg
	if cfg.Pair != p.Pair {
		ps.add("syncConfig", "the file's pair is %q, the pairs file says %q", cfg.Pair, p.Pair)
	}
	checkLambdaAuth(ps, "source", p.SourceSecretARN, cfg.Source.Auth)
	checkLambdaAuth(ps, "target", p.TargetSecretARN, cfg.Target.Auth)
	checkFailoverTiming(ps, cfg.Failover)
	for _, ep := range []struct{ side, region string }{{"source", cfg.Source.Region}, {"target", cfg.Target.Region}} {
		if ep.region != "" && !region.MatchString(ep.region) {
			ps.add("syncConfig", "%s.region: want a region like eu-west-1, got %q", ep.side, ep.region)
		}
	}
	p.checkRegion(ps, cfg)
}

// checkFailoverTiming refuses runbook bounds that no Lambda invocation can
// hold: the final sync step waits up to fence_wait for running syncs, then
// syncs up to final_sync_timeout, in one invocation.
func checkFailoverTiming(ps *problems, f config.Failover) {
	if t := failoverTimeout(f); t > maxLambdaTimeout {
		ps.add("syncConfig", "failover.final_sync_timeout (%s) + failover.fence_wait (%s) + %s must fit Lambda's %s limit, got %s",
			f.FinalSyncTimeout.Duration, f.FenceWait.Duration, failoverMargin, maxLambdaTimeout, t)
	}
}

// envDeployRegion is the region the CDK CLI deploys an environment-agnostic
// stack to (the credentials' region); it sets it for the app.
const envDeployRegion = "CDK_DEFAULT_REGION"

// checkRegion refuses a stack in the primary workspace's region: the runbook
// and the ledger must survive the outage they are there for. The stack's
// region is the pinned one, else the one the CLI deploys to; an unknown one
// is checked at deploy time (primaryRegionRule).
func (p *pairProps) checkRegion(ps *problems, cfg *config.Config) {
	primary, stack := cfg.Source.Region, p.Region
	if stack == "" {
		stack = os.Getenv(envDeployRegion)
	}
	if primary == "" || stack != primary || p.AllowPrimaryRegion {
		return
	}
	dr := "the DR workspace's region"
	if cfg.Target.Region != "" {
		dr += " (target.region " + cfg.Target.Region + ")"
	}
	ps.add("region", "the stack would run in %s, the primary workspace's region (the sync config's source.region %s): "+
		"an outage there takes the failover runbook and its ledger down with the primary. Deploy it in %s, "+
		`or set "allowPrimaryRegion": true on this pair to accept that`, stack, primary, dr)
}

// checkLambdaAuth refuses an auth block the functions cannot use: they get no
// token or client-secret variables, only the secret ARN.
func checkLambdaAuth(ps *problems, side, arn string, a config.Auth) {
	switch {
	case a.IsZero():
	case a.Type != config.AuthSecret:
		ps.add("syncConfig", `%s.auth.type is %q; the functions read credentials only from Secrets Manager: use "secret" or omit auth`, side, a.Type)
	case a.SecretARN != arn:
		ps.add("syncConfig", "%s.auth.secret_arn %q differs from %sSecretArn %q", side, a.SecretARN, side, arn)
	}
}
