package main

import (
	"testing"

	"github.com/drsync/drsync/shared/config"
	"github.com/drsync/drsync/shared/emulator"
)

// The CLI syncs with OAuth M2M credentials (DRSYNC_<SIDE>_CLIENT_ID and
// _CLIENT_SECRET), the authentication the deploy docs recommend: each side
// logs in at its workspace's token endpoint and the run converges as with a
// token.
func TestSyncWithOAuthM2M(t *testing.T) {
	p := newPair(t)
	for _, side := range []struct {
		token, id, secret string
		srv               *emulator.Server
	}{
		{config.EnvSourceToken, config.EnvSourceClientID, config.EnvSourceClientSecret, p.src},
		{config.EnvTargetToken, config.EnvTargetClientID, config.EnvTargetClientSecret, p.tgt},
	} {
		t.Setenv(side.token, "")
		t.Setenv(side.id, side.srv.ClientID())
		t.Setenv(side.secret, side.srv.ClientSecret())
	}
	first := p.syncJSON(exitOK)
	if first.Summary.Create == 0 || first.Summary.Failed != 0 {
		t.Fatalf("first sync: %+v\n%s", first.Summary, first)
	}
	for name, srv := range map[string]*emulator.Server{"source": p.src, "target": p.tgt} {
		if srv.RequestCount("POST /oidc/v1/token") == 0 {
			t.Errorf("the %s workspace issued no OAuth token: %v", name, srv.Requests())
		}
	}
	if again := p.syncJSON(exitOK); len(again.Actions) != again.Summary.Skip {
		t.Fatalf("second run is not quiet:\n%s", again)
	}
}
