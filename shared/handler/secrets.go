package handler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/drsync/drsync/shared/awsconn"
	"github.com/drsync/drsync/shared/config"
	"github.com/drsync/drsync/shared/connect"
	"github.com/drsync/drsync/shared/function"
	"github.com/drsync/drsync/shared/resource"
)

// secretAPI reads a secret's value.
type secretAPI interface {
	GetSecretValue(ctx context.Context, id string) (awsconn.SecretValue, error)
}

var _ secretAPI = (*awsconn.Secrets)(nil)

// workspaces builds both Databricks clients, each from an explicit config
// with the credentials its secret holds.
func workspaces(ctx context.Context, cfg *config.Config, e function.Env, sm secretAPI, version string) (src, tgt resource.Workspace, err error) {
	opts, sides := clientOptions(cfg, e, version), pairSides(cfg, e)
	src, err = workspace(ctx, sm, opts, sides[0])
	if err != nil {
		return src, tgt, err
	}
	tgt, err = workspace(ctx, sm, opts, sides[1])
	return src, tgt, err
}

// clientOptions are the options both Databricks clients are built with.
func clientOptions(cfg *config.Config, e function.Env, version string) connect.Options {
	opts := connect.OptionsFrom(cfg, version)
	opts.RetryTimeout = retryBudget(cfg.RetryTimeout.Duration, e.FunctionTimeout)
	opts.Getenv = e.Getenv
	return opts
}

// pairSides are the source and the target, with where their secrets are named.
func pairSides(cfg *config.Config, e function.Env) [2]side {
	return [2]side{
		{connect.Source, cfg.Source, e.SourceARN, config.EnvSourceSecretARN},
		{connect.Target, cfg.Target, e.TargetARN, config.EnvTargetSecretARN},
	}
}

// side is one workspace of the pair and where its secret is named.
type side struct {
	name     string
	endpoint config.Endpoint
	arn      string // from the environment; "" = the config's auth block
	variable string
}

// secretARN is the side's secret: the variable, else the config's
// auth.secret_arn.
func (s side) secretARN() string {
	if s.arn == "" && s.endpoint.Auth.Type == config.AuthSecret {
		return s.endpoint.Auth.SecretARN
	}
	return s.arn
}

// workspace reads the side's secret and builds its client. Errors name the
// variable (or config field) and the ARN, never the secret's value.
func workspace(ctx context.Context, sm secretAPI, opts connect.Options, s side) (resource.Workspace, error) {
	arn := s.secretARN()
	if arn == "" {
		return resource.Workspace{}, fmt.Errorf("no credentials for the %s workspace: set %s (or %s.auth to type %q with a secret_arn in the config)",
			s.name, s.variable, s.name, config.AuthSecret)
	}
	creds, err := readCredentials(ctx, sm, arn)
	if err != nil {
		return resource.Workspace{}, fmt.Errorf("%s workspace credentials (secret %s, from %s or %s.auth.secret_arn): %w",
			s.name, arn, s.variable, s.name, err)
	}
	opts.Credentials = creds
	w, err := connect.Workspace(ctx, s.name, s.endpoint, opts)
	if err != nil {
		return resource.Workspace{}, err
	}
	return resource.Workspace{Side: s.name, API: w}, nil
}

// credentialSecret is the JSON a credentials secret holds: a personal access
// token, or an OAuth M2M service principal.
type credentialSecret struct {
	Token        string `json:"token"`
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
}

// readCredentials fetches one secret and decodes it. Errors: the SDK's
// (wrapped), a binary or non-JSON secret, unknown keys, or not exactly one
// kind of credential; no message quotes the value.
func readCredentials(ctx context.Context, sm secretAPI, arn string) (connect.Credentials, error) {
	out, err := sm.GetSecretValue(ctx, arn)
	if err != nil {
		return connect.Credentials{}, fmt.Errorf("get secret value: %w", err)
	}
	if out.String == nil {
		return connect.Credentials{}, errors.New("the secret holds binary data; want a JSON string")
	}
	var c credentialSecret
	dec := json.NewDecoder(strings.NewReader(*out.String))
	dec.DisallowUnknownFields()
	// The decoder's own messages can quote part of the value, so they are
	// replaced, not wrapped.
	if dec.Decode(&c) != nil {
		return connect.Credentials{}, errors.New(`the secret is not a JSON object {"token": "..."} or {"client_id": "...", "client_secret": "..."} with string values`)
	}
	return c.credentials()
}

// credentials checks that exactly one kind of credential is given.
func (c credentialSecret) credentials() (connect.Credentials, error) {
	oauth := c.ClientID != "" || c.ClientSecret != ""
	switch {
	case c.Token != "" && oauth:
		return connect.Credentials{}, errors.New(`the secret holds both "token" and "client_id"/"client_secret"; keep one`)
	case c.Token != "":
		return connect.Credentials{Token: c.Token}, nil
	case c.ClientID == "" && c.ClientSecret == "":
		return connect.Credentials{}, errors.New(`the secret holds no credential: want "token", or "client_id" and "client_secret"`)
	case c.ClientID == "" || c.ClientSecret == "":
		return connect.Credentials{}, errors.New(`the secret holds only half of an OAuth client: want both "client_id" and "client_secret"`)
	}
	return connect.Credentials{ClientID: c.ClientID, ClientSecret: c.ClientSecret}, nil
}

// retryBudget bounds the SDK's retries of one Databricks call: the config's
// budget, but at most a quarter of the function timeout where it is known,
// so one throttled call cannot spend the whole invocation. The invocation's
// deadline context cuts a call off in any case.
func retryBudget(configured, functionTimeout time.Duration) time.Duration {
	if configured <= 0 {
		configured = config.Default().RetryTimeout.Duration
	}
	if functionTimeout > 0 {
		return max(time.Second, min(configured, functionTimeout/4))
	}
	return configured
}
