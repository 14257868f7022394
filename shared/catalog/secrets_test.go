package catalog

import (
	"context"
	"slices"
	"testing"

	"github.com/drsync/drsync/shared/resource"
)

// A secret reference in spark_conf, spark_env_vars or a pipeline's
// configuration is blocked when DR
// lacks its scope (names compared case-insensitively) or its key; DR is
// read with one scope list and one key list per referenced scope that
// exists, once per Catalog.
func TestCheckSecrets(t *testing.T) {
	p := newPair(t, nil)
	if err := p.dr.SeedSecretScope("etl", map[string]string{"token": "t0k3n"}); err != nil {
		t.Fatal(err)
	}
	if err := p.dr.SeedSecretScope("unused", map[string]string{"k": "v"}); err != nil {
		t.Fatal(err)
	}
	c := p.catalog(IDMap{})
	doc := mustDoc(t, `{"cluster_name": "c",
		"spark_conf": {"spark.hadoop.token": "{{secrets/etl/token}}", "spark.other": "{{secrets/ETL/missing}}"},
		"spark_env_vars": {"PW": "{{secrets/nope/pw}}", "PLAIN": "x"},
		"configuration": {"pipeline.token": "{{secrets/etl/token}}", "pipeline.key": "{{secrets/etl/nokey}}"}}`)
	load(t, c, doc)
	got := c.Check(doc)
	want := []resource.Blocked{
		{Field: "configuration.pipeline.key", Value: "{{secrets/etl/nokey}}", Reason: `secret "nokey" is not in DR secret scope "etl"`},
		{Field: "spark_conf.spark.other", Value: "{{secrets/ETL/missing}}", Reason: `secret "missing" is not in DR secret scope "ETL"`},
		{Field: "spark_env_vars.PW", Value: "{{secrets/nope/pw}}", Reason: `secret scope "nope" does not exist in DR`},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("Check:\n got %v\nwant %v", got, want)
	}
	if c.Calls() != 2 || p.requests() != 2 {
		t.Fatalf("Calls() = %d, requests %v, want 2 (scopes, keys of etl)", c.Calls(), p.dr.Requests())
	}
	if err := c.LoadChecks(context.Background(), []resource.Doc{doc}); err != nil {
		t.Fatal(err)
	}
	if c.Calls() != 2 {
		t.Fatalf("a second LoadChecks read again: Calls() = %d", c.Calls())
	}
}
