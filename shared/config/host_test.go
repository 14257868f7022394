package config

import (
	"strings"
	"testing"
)

// TestNormalizeHost protects the one spelling two workspace URLs are compared
// in: every way of writing one address gives the same string.
func TestNormalizeHost(t *testing.T) {
	same := map[string][]string{
		"https://dev.cloud.databricks.com": {
			"https://dev.cloud.databricks.com", "HTTPS://DEV.Cloud.Databricks.com", "https://dev.cloud.databricks.com.",
			"https://dev.cloud.databricks.com:443", "https://dev.cloud.databricks.com:0443/", "dev.cloud.databricks.com",
			"https://dev.cloud.databricks.com/?o=1",
		},
		"https://dev.example:8443":  {"https://dev.example:8443", "https://DEV.example.:08443"},
		"http://127.0.0.1:8765":     {"http://127.0.0.1:8765", "HTTP://127.0.0.1:8765", "http://[::ffff:127.0.0.1]:8765"},
		"http://localhost":          {"http://localhost:80", "http://LOCALHOST."},
		"https://[::1]":             {"https://[0:0:0:0:0:0:0:1]:443", "https://[::1]"},
		"https://[2001:db8::1]:444": {"https://[2001:DB8:0::1]:444"},
	}
	for want, spellings := range same {
		for _, in := range spellings {
			if got, err := NormalizeHost(in); err != nil || got != want {
				t.Errorf("NormalizeHost(%q) = %q, %v; want %q", in, got, err, want)
			}
		}
	}
}

func TestNormalizeHostErrors(t *testing.T) {
	for in, want := range map[string]string{
		"ftp://dev.example":        `scheme "ftp": want https or http`,
		"https://":                 "has no host name",
		"https://dev.example:0":    `port "0": want 1-65535`,
		"https://dev.example:7e4":  `not a URL: invalid port ":7e4" after host`,
		"https://a b.example:8443": `not a URL: invalid character " " in host name`,
	} {
		if got, err := NormalizeHost(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("NormalizeHost(%q) = %q, %v; want error %q", in, got, err, want)
		}
	}
}

// TestCheckHost protects the flag form of the host rules: same verdicts as
// Validate, without a field name (the caller names the flag).
func TestCheckHost(t *testing.T) {
	if err := CheckHost("http://dr.example"); err == nil || err.Error() != clearText {
		t.Errorf("CheckHost(http://dr.example) = %v, want %q", err, clearText)
	}
	for _, ok := range []string{"https://dr.example", "http://127.0.0.1:1", "http://localhost:8080"} {
		if err := CheckHost(ok); err != nil {
			t.Errorf("CheckHost(%s) = %v", ok, err)
		}
	}
}

// TestParseRefusesClearTextHost protects item 2 of issue 10 in a config file:
// an http:// host that is not loopback is refused at its line and column.
func TestParseRefusesClearTextHost(t *testing.T) {
	in := strings.Replace(minimal, `"https://dr.example"`, `"http://dr.example"`, 1)
	got := messages(t, func() error { _, err := Parse([]byte(in), "dev.json"); return err }())
	if want := "dev.json:4:14: target.host: " + clearText; len(got) != 1 || got[0] != want {
		t.Fatalf("got %q\nwant %q", got, want)
	}
}
