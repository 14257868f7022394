package handler_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/drsync/drsync/shared/awsconn"
	"github.com/drsync/drsync/shared/awstest"
	"github.com/drsync/drsync/shared/config"
	"github.com/drsync/drsync/shared/function"
	"github.com/drsync/drsync/shared/handler"
	"github.com/drsync/drsync/shared/handler/handlertest"
)

// setup is Load's Setup for env, with static credentials for moto.
func setup(env map[string]string, logs *handlertest.Buffer) function.Setup {
	return function.Setup{
		Function: "sync", Version: "dev",
		Getenv: func(k string) string { return env[k] },
		Logs:   logs, Metrics: logs,
		AWS: awsconn.Options{Region: awstest.Region, Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")},
	}
}

// Load builds, from the environment the stack sets, a function that syncs
// the pair: config from the file, credentials from Secrets Manager, the
// DynamoDB ledger. No credential reaches the logs.
func TestLoadFromTheEnvironment(t *testing.T) {
	t.Parallel()
	s := handlertest.New(t, handlertest.Options{})
	var logs handlertest.Buffer
	env := s.Env()
	env[config.EnvLogLevel] = "debug"
	d, err := handler.Load(context.Background(), setup(env, &logs))
	if err != nil {
		t.Fatal(err)
	}
	sum, err := handlertest.Invoke[handler.SyncSummary](t, d.Sync, handlertest.Event(t, "scheduled.json"), "req-load", time.Minute)
	if err != nil || sum.Outcome != "ok" || sum.Actions.Done == 0 {
		t.Fatalf("sync through Load: %+v, %v\n%s", sum, err, logs.String())
	}
	if strings.Contains(logs.String(), s.Source.Token()) {
		t.Error("a workspace token reached the logs")
	}
	// Without the variables, the config's auth blocks name the secrets.
	delete(env, config.EnvSourceSecretARN)
	delete(env, config.EnvTargetSecretARN)
	if _, err := handler.Load(context.Background(), setup(env, &logs)); err != nil {
		t.Fatalf("secret ARNs from the config: %v", err)
	}
}

// Bad environment, config or secrets stop the cold start with a message that
// names the variable or field at fault, and never quotes a secret's value.
func TestLoadErrorsNameTheCulprit(t *testing.T) {
	t.Parallel()
	s := handlertest.New(t, handlertest.Options{})
	const leaked = "dapi-do-not-print-me"
	noAuth := writeConfig(t, s, func(c *config.Config) { c.Source.Auth, c.Target.Auth = config.Auth{}, config.Auth{} })
	badField := filepath.Join(t.TempDir(), "bad.json")
	raw, _ := os.ReadFile(s.ConfigPath)
	if err := os.WriteFile(badField, []byte(strings.Replace(string(raw), `"concurrency": 8`, `"concurrency": "eight"`, 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		edit map[string]string // "" deletes the variable
		want []string
	}{
		{"no config", map[string]string{config.EnvConfig: ""}, []string{config.EnvConfig, "not set"}},
		{"no table", map[string]string{config.EnvLedgerTable: ""}, []string{config.EnvLedgerTable}},
		{"config missing", map[string]string{config.EnvConfig: "/nonexistent/pair.json"}, []string{config.EnvConfig, "/nonexistent/pair.json"}},
		{"config field", map[string]string{config.EnvConfig: badField}, []string{"rate_limits.concurrency"}},
		{"pair mismatch", map[string]string{config.EnvPair: "prod-to-dr"}, []string{config.EnvPair, "prod-to-dr", handlertest.Pair}},
		{"log level", map[string]string{config.EnvLogLevel: "loud"}, []string{config.EnvLogLevel, "loud"}},
		{"workspace id", map[string]string{handler.EnvSourceWorkspaceID: "ws-1"}, []string{handler.EnvSourceWorkspaceID}},
		{"timeout", map[string]string{"AWS_LAMBDA_FUNCTION_TIMEOUT": "5m"}, []string{"AWS_LAMBDA_FUNCTION_TIMEOUT"}},
		{"no secret anywhere", map[string]string{config.EnvConfig: noAuth, config.EnvSourceSecretARN: ""}, []string{config.EnvSourceSecretARN, "source.auth"}},
		{"secret missing", map[string]string{config.EnvSourceSecretARN: s.SourceSecretARN + "-gone"}, []string{config.EnvSourceSecretARN, "ResourceNotFoundException"}},
		{"secret not JSON", map[string]string{config.EnvTargetSecretARN: secret(t, s, leaked)}, []string{config.EnvTargetSecretARN, "not a JSON object"}},
		{"secret both kinds", map[string]string{config.EnvSourceSecretARN: secret(t, s, `{"token":"`+leaked+`","client_id":"x"}`)}, []string{"both"}},
		{"secret half oauth", map[string]string{config.EnvSourceSecretARN: secret(t, s, `{"client_secret":"`+leaked+`"}`)}, []string{"half"}},
		{"secret unknown key", map[string]string{config.EnvSourceSecretARN: secret(t, s, `{"pat":"`+leaked+`"}`)}, []string{config.EnvSourceSecretARN}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := maps.Clone(s.Env())
			for k, v := range tc.edit {
				if v == "" {
					delete(env, k)
				} else {
					env[k] = v
				}
			}
			var logs handlertest.Buffer
			_, err := handler.Load(context.Background(), setup(env, &logs))
			if err == nil {
				t.Fatal("Load accepted it")
			}
			t.Log(err)
			mustContain(t, err.Error(), tc.want...)
			if strings.Contains(err.Error()+logs.String(), leaked) {
				t.Errorf("the secret's value leaked: %v", err)
			}
		})
	}
}

// secrets numbers the test secrets of this binary.
var secrets atomic.Int64

// secret stores value as a new secret in the stack's moto and returns its ARN.
func secret(t *testing.T, s *handlertest.Stack, value string) string {
	t.Helper()
	name := fmt.Sprintf("drsync/test/%d", secrets.Add(1))
	out, err := secretsmanager.NewFromConfig(s.AWS).CreateSecret(context.Background(),
		&secretsmanager.CreateSecretInput{Name: &name, SecretString: aws.String(value)})
	if err != nil {
		t.Fatal(err)
	}
	return *out.ARN
}

// writeConfig writes a variant of the stack's config and returns its path.
func writeConfig(t *testing.T, s *handlertest.Stack, edit func(*config.Config)) string {
	t.Helper()
	c := *s.Config
	edit(&c)
	data, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "variant.json")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// A token rotated after the cold start (the secret updated, the old token
// revoked) is read again on the first refusal, once per run: the run goes on
// with the new one instead of failing until the container is recycled.
func TestRotatedSecretReadAgain(t *testing.T) {
	t.Parallel()
	s := handlertest.New(t, handlertest.Options{})
	var logs handlertest.Buffer
	d, err := handler.Load(context.Background(), setup(s.Env(), &logs))
	if err != nil {
		t.Fatal(err)
	}
	const rotated = "dapi-rotated-token"
	s.Source.RotateToken(rotated)
	sm := secretsmanager.NewFromConfig(s.AWS)
	if _, err := sm.PutSecretValue(context.Background(), &secretsmanager.PutSecretValueInput{
		SecretId: &s.SourceSecretARN, SecretString: aws.String(`{"token":"` + rotated + `"}`),
	}); err != nil {
		t.Fatal(err)
	}
	sum, err := handlertest.Invoke[handler.SyncSummary](t, d.Sync, handlertest.Event(t, "scheduled.json"), "req-rotated", time.Minute)
	if err != nil || sum.Outcome != "ok" || sum.Actions.Done == 0 {
		t.Fatalf("sync after the rotation: %+v, %v\n%s", sum, err, logs.String())
	}
	if !strings.Contains(logs.String(), "reading the secrets again") {
		t.Errorf("the second reading is not logged:\n%s", logs.String())
	}
	if strings.Contains(logs.String(), rotated) {
		t.Error("the rotated token reached the logs")
	}
}
