package catalog

import (
	"slices"
	"testing"

	"github.com/drsync/drsync/shared/resource"
)

func TestSecretRefs(t *testing.T) {
	tests := []struct {
		v    string
		want []secretRef
	}{
		{"{{secrets/etl/token}}", []secretRef{{"etl", "token"}}},
		{"Bearer {{ secrets/etl/token }} and {{secrets/Other/k.2}}", []secretRef{{"etl", "token"}, {"Other", "k.2"}}},
		{"plain value", nil},
		{"{{secrets/only-scope}}", nil},
	}
	for _, tt := range tests {
		if got := secretRefs(tt.v); !slices.Equal(got, tt.want) {
			t.Errorf("secretRefs(%q) = %v, want %v", tt.v, got, tt.want)
		}
	}
}

// single_user_name is told apart by form; user names and application ids
// compare lower-cased, group names as written.
func TestNewPrincipal(t *testing.T) {
	tests := []struct {
		kind principalKind
		v    string
		want principal
	}{
		{guessPrincipal, "Ann@Corp.com", principal{userPrincipal, "ann@corp.com"}},
		{guessPrincipal, "9F0C1D2E-3A4B-4C5D-8E6F-7A8B9C0D1E2F", principal{spPrincipal, "9f0c1d2e-3a4b-4c5d-8e6f-7a8b9c0d1e2f"}},
		{guessPrincipal, "Data-Eng", principal{groupPrincipal, "Data-Eng"}},
		{userPrincipal, "Bob@corp.com", principal{userPrincipal, "bob@corp.com"}},
		{groupPrincipal, "Admins", principal{groupPrincipal, "Admins"}},
	}
	for _, tt := range tests {
		if got := newPrincipal(tt.kind, tt.v); got != tt.want {
			t.Errorf("newPrincipal(%d, %q) = %+v, want %+v", tt.kind, tt.v, got, tt.want)
		}
	}
}

// SCIM filters quote the name as a JSON string.
func TestSCIMFilter(t *testing.T) {
	got, err := scimFilter(principal{groupPrincipal, `say "hi"`})
	if err != nil || got != `displayName eq "say \"hi\""` {
		t.Fatalf("filter = %q, %v", got, err)
	}
}

// Blocked entries sort by field, then value, and exact repeats go.
func TestSortBlocked(t *testing.T) {
	in := []resource.Blocked{
		{Field: "tasks[].sql_task.warehouse_id", Value: "b", Reason: "r"},
		{Field: "node_type_id", Value: "z", Reason: "r"},
		{Field: "tasks[].sql_task.warehouse_id", Value: "a", Reason: "r"},
		{Field: "tasks[].sql_task.warehouse_id", Value: "b", Reason: "r"},
	}
	want := []resource.Blocked{in[1], in[2], in[0]}
	if got := sortBlocked(in); !slices.Equal(got, want) {
		t.Fatalf("sortBlocked = %v, want %v", got, want)
	}
}
