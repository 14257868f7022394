//go:build linux

package main

import (
	"io"
	"strings"
	"testing"
)

func TestParseArgs(t *testing.T) {
	tests := []struct {
		args              []string
		name, event, fail string
	}{
		{args: []string{"sync"}, name: "sync", event: "scheduled.json"},
		{args: []string{"-event", "sync-overrides.json", "sync"}, name: "sync", event: "sync-overrides.json"},
		{args: []string{"auditlog"}, name: "auditlog"},
		{args: []string{"failover"}, name: "failover", event: "failover-step.json"},
		{args: []string{"-event", "x.json", "auditlog"}, fail: "-event does not apply"},
		{args: []string{"replcheck"}, fail: `unknown function "replcheck"`},
		{args: nil, fail: "name one function"},
		{args: []string{"sync", "auditlog"}, fail: "name one function"},
	}
	for _, tt := range tests {
		name, event, err := parseArgs(tt.args, io.Discard)
		if tt.fail != "" {
			if err == nil || !strings.Contains(err.Error(), tt.fail) {
				t.Errorf("%q: error %v, want one saying %q", tt.args, err, tt.fail)
			}
			continue
		}
		if err != nil || name != tt.name || event != tt.event {
			t.Errorf("%q = %q, %q, %v; want %q, %q", tt.args, name, event, err, tt.name, tt.event)
		}
	}
}
