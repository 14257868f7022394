package catalog

import (
	"fmt"
	"testing"

	"github.com/drsync/drsync/shared/emulator"
)

// Instance profiles and service principals of the seeded world.
const (
	profileETL       = "arn:aws:iam::123456789012:instance-profile/etl"
	profileAnalytics = "arn:aws:iam::123456789012:instance-profile/analytics"
	spETL            = "9f0c1d2e-3a4b-4c5d-8e6f-7a8b9c0d1e2f"
	spMissing        = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
)

// world is what seedWorld put in the pair: ids by "<side>/<type>/<name>"
// ("src/wh/bi-wh"), and the id_map the tests use.
type world struct {
	byName map[string]string
	ids    IDMap
}

// worldDRCatalog is DR's catalog in the seeded world: node types i3.xlarge
// and m5.xlarge (usable), m4.large (deprecated), x1e.hidden (hidden),
// p4d.24xlarge (NotAvailableInRegion), no r5.xlarge; runtimes
// 15.4.x-scala2.12 and 16.4.x-scala2.12; zones us-west-2a and us-west-2b;
// instance profile profileETL (not profileAnalytics); user ann@corp.com
// (not bob@corp.com), service principal spETL (not spMissing), group
// data-eng (not finance).
func worldDRCatalog() *emulator.Catalog {
	nt := func(id string) emulator.NodeType {
		return emulator.NodeType{NodeTypeID: id, InstanceTypeID: id, MemoryMB: 8192, NumCores: 4, Category: "General Purpose"}
	}
	deprecated, hidden, unavailable := nt("m4.large"), nt("x1e.hidden"), nt("p4d.24xlarge")
	deprecated.IsDeprecated, hidden.IsHidden, unavailable.Status = true, true, []string{"NotAvailableInRegion"}
	return &emulator.Catalog{
		Region: "us-west-2", Zones: []string{"us-west-2a", "us-west-2b"}, DefaultZone: "us-west-2a",
		NodeTypes:         []emulator.NodeType{nt("i3.xlarge"), nt("m5.xlarge"), deprecated, hidden, unavailable},
		SparkVersions:     []emulator.SparkVersion{{Key: "15.4.x-scala2.12", Name: "15.4 LTS"}, {Key: "16.4.x-scala2.12", Name: "16.4 LTS"}},
		InstanceProfiles:  []emulator.InstanceProfile{{InstanceProfileARN: profileETL}},
		Users:             []emulator.User{{UserName: "ann@corp.com"}},
		Groups:            []emulator.Group{{DisplayName: "data-eng", Members: []string{"ann@corp.com"}}},
		ServicePrincipals: []emulator.ServicePrincipal{{ApplicationID: spETL, DisplayName: "etl-sp"}},
	}
}

// seedWorld starts a pair with worldDRCatalog in DR and seeds:
//
// Source: SQL warehouses etl-wh, bi-wh; pipelines ingest, lonely;
// notification destinations oncall, ops-email, pager, dup-dest.
//
// DR: SQL warehouse bi-wh; pipeline ingest; destinations oncall, ops-email
// and two named dup-dest; secret scope etl with key token.
//
// id_map: warehouse ext-src-wh → ext-dr-wh (in no listing), destination
// ops-email → dr-ops-by-hand (over DR's namesake).
func seedWorld(t testing.TB) (*pair, *world) {
	t.Helper()
	p := newPair(t, worldDRCatalog())
	w := &world{byName: map[string]string{}}
	if err := p.dr.SeedSecretScope("etl", map[string]string{"token": "t0k3n"}); err != nil {
		t.Fatal(err)
	}
	for _, side := range []struct {
		name                     string
		srv                      *emulator.Server
		warehouses, pipes, dests []string
	}{
		{"src", p.src, []string{"etl-wh", "bi-wh"}, []string{"ingest", "lonely"}, []string{"oncall", "ops-email", "pager", "dup-dest"}},
		{"dr", p.dr, []string{"bi-wh"}, []string{"ingest"}, []string{"oncall", "ops-email", "dup-dest", "dup-dest"}},
	} {
		for _, n := range side.warehouses {
			w.seed(t, side.name+"/wh/"+n, side.srv.SeedWarehouse, fmt.Sprintf(`{"name": %q, "cluster_size": "Small"}`, n))
		}
		for _, n := range side.pipes {
			w.seed(t, side.name+"/pipe/"+n, side.srv.SeedPipeline, fmt.Sprintf(`{"name": %q, "catalog": "main", "schema": %q}`, n, n))
		}
		for _, n := range side.dests {
			w.seed(t, side.name+"/dest/"+n, side.srv.SeedDestination,
				fmt.Sprintf(`{"display_name": %q, "config": {"email": {"addresses": ["ops@corp.com"]}}}`, n))
		}
	}
	w.ids = IDMap{
		Warehouses:   map[string]string{"ext-src-wh": "ext-dr-wh"},
		Destinations: map[string]string{w.byName["src/dest/ops-email"]: "dr-ops-by-hand"},
		Dashboards:   map[string]string{"d": "dr-d", "x": "dr-x"},
		Alerts:       map[string]string{"al": "dr-al"},
	}
	return p, w
}

// seed runs one emulator seeding function and records the id under key.
func (w *world) seed(t testing.TB, key string, fn func([]byte) (string, error), body string) {
	t.Helper()
	id, err := fn([]byte(body))
	if err != nil {
		t.Fatalf("seed %s: %v", key, err)
	}
	w.byName[key] = id
}
