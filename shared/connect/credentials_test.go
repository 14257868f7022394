package connect

import (
	"testing"

	"github.com/drsync/drsync/shared/config"
)

// TestCredentialOrder pins the resolution order: explicit credentials (flags),
// then DRSYNC_<SIDE>_* variables, then the config's auth block.
func TestCredentialOrder(t *testing.T) {
	pat := config.Auth{Type: config.AuthPAT, TokenEnv: "DEV_TOKEN"}
	m2m := config.Auth{Type: config.AuthM2M, ClientIDEnv: "SP_ID", ClientSecretEnv: "SP_SECRET"}
	profile := config.Auth{Type: config.AuthProfile, Profile: "dev"}
	tests := []struct {
		name     string
		auth     config.Auth
		explicit Credentials
		env      map[string]string
		want     resolved
	}{
		{"explicit beats env and block", pat, Credentials{Token: "flag"},
			map[string]string{"DRSYNC_SOURCE_TOKEN": "env", "DEV_TOKEN": "block"},
			resolved{config.AuthPAT, Credentials{Token: "flag"}, "explicit credentials"}},
		{"explicit profile", pat, Credentials{Profile: "p"}, nil,
			resolved{config.AuthProfile, Credentials{Profile: "p"}, "explicit credentials"}},
		{"explicit m2m", config.Auth{}, Credentials{ClientID: "i", ClientSecret: "s"}, nil,
			resolved{config.AuthM2M, Credentials{ClientID: "i", ClientSecret: "s"}, "explicit credentials"}},
		{"env beats block", profile, Credentials{},
			map[string]string{"DRSYNC_SOURCE_TOKEN": "env"},
			resolved{config.AuthPAT, Credentials{Token: "env"}, "env DRSYNC_SOURCE_TOKEN"}},
		{"env m2m", pat, Credentials{},
			map[string]string{"DRSYNC_SOURCE_CLIENT_ID": "i", "DRSYNC_SOURCE_CLIENT_SECRET": "s", "DEV_TOKEN": "block"},
			resolved{config.AuthM2M, Credentials{ClientID: "i", ClientSecret: "s"}, "env DRSYNC_SOURCE_CLIENT_ID"}},
		{"other side's env is ignored", pat, Credentials{},
			map[string]string{"DRSYNC_TARGET_TOKEN": "target", "DEV_TOKEN": "block"},
			resolved{config.AuthPAT, Credentials{Token: "block"}, "env DEV_TOKEN"}},
		{"block m2m", m2m, Credentials{},
			map[string]string{"SP_ID": "i", "SP_SECRET": "s"},
			resolved{config.AuthM2M, Credentials{ClientID: "i", ClientSecret: "s"}, "env SP_ID"}},
		{"block profile", profile, Credentials{}, nil,
			resolved{config.AuthProfile, Credentials{Profile: "dev"}, "source.auth"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := resolveCredentials(Source, tt.auth, tt.explicit, mapEnv(tt.env))
			if err != nil || got != tt.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

// TestCredentialErrors pins the messages, each naming what to set.
func TestCredentialErrors(t *testing.T) {
	tests := []struct {
		name     string
		side     string
		auth     config.Auth
		explicit Credentials
		env      map[string]string
		want     string
	}{
		{"nothing", Source, config.Auth{}, Credentials{}, nil,
			"no credentials: set DRSYNC_SOURCE_TOKEN (or DRSYNC_SOURCE_CLIENT_ID and DRSYNC_SOURCE_CLIENT_SECRET), or add source.auth to the config"},
		{"two explicit kinds", Source, config.Auth{}, Credentials{Token: "t", Profile: "p"}, nil,
			"explicit credentials give more than one kind; give a token, a client id and secret, or a profile"},
		{"explicit half client", Source, config.Auth{}, Credentials{ClientID: "i"}, nil,
			"explicit credentials give only half of an OAuth client: need both client id and client secret"},
		{"env token and client", Target, config.Auth{}, Credentials{},
			map[string]string{"DRSYNC_TARGET_TOKEN": "t", "DRSYNC_TARGET_CLIENT_ID": "i"},
			"both DRSYNC_TARGET_TOKEN and DRSYNC_TARGET_CLIENT_ID/DRSYNC_TARGET_CLIENT_SECRET are set; unset one"},
		{"env id only", Target, config.Auth{}, Credentials{},
			map[string]string{"DRSYNC_TARGET_CLIENT_ID": "i"},
			"DRSYNC_TARGET_CLIENT_ID is set but DRSYNC_TARGET_CLIENT_SECRET is not; set it"},
		{"env secret only", Target, config.Auth{}, Credentials{},
			map[string]string{"DRSYNC_TARGET_CLIENT_SECRET": "s"},
			"DRSYNC_TARGET_CLIENT_SECRET is set but DRSYNC_TARGET_CLIENT_ID is not; set it"},
		{"block token unset", Source, config.Auth{Type: config.AuthPAT, TokenEnv: "DEV_TOKEN"}, Credentials{}, nil,
			"environment variable DEV_TOKEN (source.auth.token_env) is not set; set it, or set DRSYNC_SOURCE_TOKEN"},
		{"block names the drsync variable", Source, config.Auth{Type: config.AuthPAT, TokenEnv: "DRSYNC_SOURCE_TOKEN"}, Credentials{}, nil,
			"environment variable DRSYNC_SOURCE_TOKEN (source.auth.token_env) is not set; set it"},
		{"block secret unset", Target, config.Auth{Type: config.AuthM2M, ClientIDEnv: "ID", ClientSecretEnv: "SECRET"}, Credentials{},
			map[string]string{"ID": "i"},
			"environment variable SECRET (target.auth.client_secret_env) is not set; set it, or set DRSYNC_TARGET_CLIENT_SECRET"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := resolveCredentials(tt.side, tt.auth, tt.explicit, mapEnv(tt.env))
			if err == nil || err.Error() != tt.want {
				t.Fatalf("err = %v\nwant %s", err, tt.want)
			}
		})
	}
}

func mapEnv(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}
