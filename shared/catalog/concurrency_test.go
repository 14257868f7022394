package catalog

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/drsync/drsync/shared/emulator"
	"github.com/drsync/drsync/shared/emulator/emutest"
)

// Principals are looked up one call each, several at a time: twelve
// lookups on a workspace that takes 100 ms per request finish well under
// the 1.2 s they would take one by one, and each is answered right.
func TestLoadChecksReadsConcurrently(t *testing.T) {
	const latency = 100 * time.Millisecond
	cat := emulator.DefaultCatalog()
	var acl []string
	for i := range 12 {
		user := fmt.Sprintf("user%02d@corp.com", i)
		if i%2 == 0 {
			cat.Users = append(cat.Users, emulator.User{UserName: user})
		}
		acl = append(acl, fmt.Sprintf(`{"user_name": %q, "permission_level": "CAN_VIEW"}`, user))
	}
	src, _ := emutest.Start(t, emulator.Options{RateLimits: map[string]float64{}})
	dr, _ := emutest.Start(t, emulator.Options{RateLimits: map[string]float64{}, Latency: latency, Catalog: cat})
	p := &pair{src: src, dr: dr, srcWS: emutest.Workspace(t, src, "source"), drWS: emutest.Workspace(t, dr, "target")}
	c := p.catalog(IDMap{})
	doc := mustDoc(t, `{"name": "j", "access_control_list": [`+strings.Join(acl, ",")+`]}`)
	start := time.Now()
	load(t, c, doc)
	elapsed := time.Since(start)
	if c.Calls() != 12 || p.requests() != 12 {
		t.Fatalf("Calls() = %d, requests %d, want 12", c.Calls(), p.requests())
	}
	if elapsed > 9*latency {
		t.Errorf("12 lookups took %v at %v each: not concurrent", elapsed, latency)
	}
	var missing []string
	for _, b := range c.Check(doc) {
		missing = append(missing, b.Value)
	}
	want := "user01@corp.com user03@corp.com user05@corp.com user07@corp.com user09@corp.com user11@corp.com"
	if strings.Join(missing, " ") != want {
		t.Fatalf("missing %v, want %s", missing, want)
	}
}
