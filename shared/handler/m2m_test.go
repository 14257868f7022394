package handler_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/drsync/drsync/shared/config"
	"github.com/drsync/drsync/shared/emulator"
	"github.com/drsync/drsync/shared/handler"
	"github.com/drsync/drsync/shared/handler/handlertest"
)

// The sync function runs with OAuth M2M secrets ({"client_id", "client_secret"}
// in Secrets Manager): Load builds both clients from them, each logs in at its
// workspace's token endpoint, and the run copies the estate. No client secret
// reaches the logs.
func TestSyncWithOAuthM2MSecrets(t *testing.T) {
	t.Parallel()
	s := handlertest.New(t, handlertest.Options{})
	sm := secretsmanager.NewFromConfig(s.AWS)
	env := s.Env()
	env[config.EnvSourceSecretARN] = m2mSecret(t, sm, s.Table+"/source-m2m", s.Source)
	env[config.EnvTargetSecretARN] = m2mSecret(t, sm, s.Table+"/target-m2m", s.Target)
	var logs handlertest.Buffer
	d, err := handler.Load(context.Background(), setup(env, &logs))
	if err != nil {
		t.Fatal(err)
	}
	sum, err := handlertest.Invoke[handler.SyncSummary](t, d.Sync, handlertest.Event(t, "scheduled.json"), "req-m2m", time.Minute)
	if err != nil || sum.Outcome != "ok" || sum.Actions.Create == 0 || sum.Actions.Failed != 0 {
		t.Fatalf("sync with M2M secrets: %+v, %v\n%s", sum, err, logs.String())
	}
	for name, srv := range map[string]*emulator.Server{"source": s.Source, "target": s.Target} {
		if srv.RequestCount("POST /oidc/v1/token") == 0 {
			t.Errorf("the %s workspace issued no OAuth token", name)
		}
	}
	if strings.Contains(logs.String(), s.Source.ClientSecret()) {
		t.Error("a client secret reached the logs")
	}
}

// m2mSecret stores srv's service principal as a credentials secret.
func m2mSecret(t *testing.T, sm *secretsmanager.Client, name string, srv *emulator.Server) string {
	t.Helper()
	value, _ := json.Marshal(map[string]string{"client_id": srv.ClientID(), "client_secret": srv.ClientSecret()})
	out, err := sm.CreateSecret(context.Background(), &secretsmanager.CreateSecretInput{
		Name: aws.String(name), SecretString: aws.String(string(value)),
	})
	if err != nil {
		t.Fatalf("create secret %s: %v", name, err)
	}
	return *out.ARN
}
