package connect

import (
	"errors"
	"fmt"

	"github.com/drsync/drsync/shared/config"
)

// Credentials are explicit credentials for one workspace, as given on the
// command line or read by the Lambda side from Secrets Manager. Set one kind:
// Token, ClientID with ClientSecret, or Profile.
type Credentials struct {
	Token        string
	ClientID     string
	ClientSecret string
	Profile      string
}

func (c Credentials) kinds() int {
	n := 0
	for _, set := range []bool{c.Token != "", c.ClientID != "" || c.ClientSecret != "", c.Profile != ""} {
		if set {
			n++
		}
	}
	return n
}

// resolved is the credential chosen for one side and where it came from.
type resolved struct {
	authType string // config.AuthPAT, config.AuthM2M or config.AuthProfile
	creds    Credentials
	from     string // for logs: "explicit credentials", "env DRSYNC_SOURCE_TOKEN", ...
}

// sideEnv are the DRSYNC_<SIDE>_* variable names of one side.
type sideEnv struct{ token, clientID, clientSecret string }

var envBySide = map[string]sideEnv{
	Source: {config.EnvSourceToken, config.EnvSourceClientID, config.EnvSourceClientSecret},
	Target: {config.EnvTargetToken, config.EnvTargetClientID, config.EnvTargetClientSecret},
}

// resolveCredentials picks one side's credential: explicit ones (flags), then the
// DRSYNC_<SIDE>_* variables, then the config's auth block (whose pat and
// oauth-m2m types name variables, and whose profile type comes last by nature).
// Errors: ambiguous or half-given credentials, an unresolved secret ARN, or no
// credential at all — each naming what to set.
func resolveCredentials(side string, auth config.Auth, explicit Credentials, getenv func(string) string) (resolved, error) {
	env := envBySide[side]
	if explicit.kinds() > 0 {
		return fromExplicit(explicit)
	}
	if r, ok, err := fromEnv(env, getenv); ok || err != nil {
		return r, err
	}
	if !auth.IsZero() {
		return fromAuthBlock(side, auth, env, getenv)
	}
	return resolved{}, fmt.Errorf("no credentials: set %s (or %s and %s), or add %s.auth to the config",
		env.token, env.clientID, env.clientSecret, side)
}

func fromExplicit(f Credentials) (resolved, error) {
	switch {
	case f.kinds() > 1:
		return resolved{}, errors.New("explicit credentials give more than one kind; give a token, a client id and secret, or a profile")
	case f.Token != "":
		return resolved{authType: config.AuthPAT, creds: f, from: "explicit credentials"}, nil
	case f.Profile != "":
		return resolved{authType: config.AuthProfile, creds: f, from: "explicit credentials"}, nil
	case f.ClientID == "" || f.ClientSecret == "":
		return resolved{}, errors.New("explicit credentials give only half of an OAuth client: need both client id and client secret")
	}
	return resolved{authType: config.AuthM2M, creds: f, from: "explicit credentials"}, nil
}

// fromEnv reads DRSYNC_<SIDE>_TOKEN or _CLIENT_ID/_CLIENT_SECRET; ok is false
// when none is set.
func fromEnv(env sideEnv, getenv func(string) string) (r resolved, ok bool, err error) {
	token, id, secret := getenv(env.token), getenv(env.clientID), getenv(env.clientSecret)
	switch {
	case token == "" && id == "" && secret == "":
		return resolved{}, false, nil
	case token != "" && (id != "" || secret != ""):
		return resolved{}, true, fmt.Errorf("both %s and %s/%s are set; unset one", env.token, env.clientID, env.clientSecret)
	case token != "":
		return resolved{authType: config.AuthPAT, creds: Credentials{Token: token}, from: "env " + env.token}, true, nil
	case id == "":
		return resolved{}, true, fmt.Errorf("%s is set but %s is not; set it", env.clientSecret, env.clientID)
	case secret == "":
		return resolved{}, true, fmt.Errorf("%s is set but %s is not; set it", env.clientID, env.clientSecret)
	}
	return resolved{authType: config.AuthM2M, creds: Credentials{ClientID: id, ClientSecret: secret}, from: "env " + env.clientID}, true, nil
}

// fromAuthBlock follows the config's auth block of a validated config.
func fromAuthBlock(side string, a config.Auth, env sideEnv, getenv func(string) string) (resolved, error) {
	field := side + ".auth"
	switch a.Type {
	case config.AuthPAT:
		token, err := lookup(getenv, a.TokenEnv, field+".token_env", env.token)
		return resolved{authType: config.AuthPAT, creds: Credentials{Token: token}, from: "env " + a.TokenEnv}, err
	case config.AuthM2M:
		id, err := lookup(getenv, a.ClientIDEnv, field+".client_id_env", env.clientID)
		if err != nil {
			return resolved{}, err
		}
		secret, err := lookup(getenv, a.ClientSecretEnv, field+".client_secret_env", env.clientSecret)
		return resolved{authType: config.AuthM2M, creds: Credentials{ClientID: id, ClientSecret: secret}, from: "env " + a.ClientIDEnv}, err
	case config.AuthProfile:
		return resolved{authType: config.AuthProfile, creds: Credentials{Profile: a.Profile}, from: field}, nil
	case config.AuthSecret:
		return resolved{}, fmt.Errorf("%s: secret %s must be read from Secrets Manager by the caller and passed in Options.Credentials", field, a.SecretARN)
	}
	return resolved{}, fmt.Errorf("%s.type: unknown auth type %q", field, a.Type)
}

// lookup reads the variable a config field names.
// Errors: the variable is unset or empty; the message names it and the
// DRSYNC_<SIDE>_* alternative.
func lookup(getenv func(string) string, name, field, alternative string) (string, error) {
	if v := getenv(name); v != "" {
		return v, nil
	}
	if name == alternative {
		return "", fmt.Errorf("environment variable %s (%s) is not set; set it", name, field)
	}
	return "", fmt.Errorf("environment variable %s (%s) is not set; set it, or set %s", name, field, alternative)
}
