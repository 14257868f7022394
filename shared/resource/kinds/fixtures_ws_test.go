package kinds

import (
	"encoding/base64"
	"fmt"
	"testing"

	"github.com/drsync/drsync/shared/emulator"
	"github.com/drsync/drsync/shared/resource"
)

// wsFixtures are the contract-test fixtures of the workspace kinds (directory,
// notebook, file); see fixture in contract_test.go. Paths carry spaces and
// non-ASCII letters on purpose. Notebook content carries the "Databricks
// notebook source" header, as a SOURCE export of the source workspace does.
var wsFixtures = []fixture{
	{
		name: "nested folder", kind: Directory,
		id:       "/Shared/contract dir/ünï sub",
		wantName: "/Shared/contract dir/ünï sub",
		doc:      func(map[string]string) string { return `{}` },
		// A folder has no settings: its document is always {} and Update is
		// a no-op, so there is nothing for an update to change.
		update: func(resource.Doc) {},
	},
	{
		name: "python notebook", kind: Notebook,
		seed:     wsFixtureParent("/Shared/contract nb ü"),
		id:       "/Shared/contract nb ü/daily load",
		wantName: "/Shared/contract nb ü/daily load",
		doc: func(map[string]string) string {
			return wsFixtureDoc("PYTHON", "# Databricks notebook source\nprint('v1')\n")
		},
		update: func(d resource.Doc) {
			d["content"] = wsFixtureB64("# Databricks notebook source\nprint('v2')\n\n# COMMAND ----------\n\n1+1\n")
		},
	},
	{
		name: "sql notebook", kind: Notebook,
		seed:     wsFixtureParent("/Shared/contract nb ü"),
		id:       "/Shared/contract nb ü/report",
		wantName: "/Shared/contract nb ü/report",
		doc: func(map[string]string) string {
			return wsFixtureDoc("SQL", "-- Databricks notebook source\nSELECT 1\n")
		},
		update: func(d resource.Doc) {
			d["content"] = wsFixtureB64("-- Databricks notebook source\nSELECT 2\n")
		},
	},
	{
		name: "file", kind: File,
		seed:     wsFixtureParent("/Shared/contract files"),
		id:       "/Shared/contract files/init script.sh",
		wantName: "/Shared/contract files/init script.sh",
		doc: func(map[string]string) string {
			return fmt.Sprintf(`{"content": %q}`, wsFixtureB64("#!/bin/bash\necho v1\n"))
		},
		update: func(d resource.Doc) { d["content"] = wsFixtureB64("#!/bin/bash\necho v2\n\x00") },
	},
}

// wsFixtureParent seeds the folder a notebook or file is imported into:
// import never creates parents (the directory kind runs first in a sync).
func wsFixtureParent(dir string) func(t *testing.T, e *contractEnv) map[string]string {
	return func(t *testing.T, e *contractEnv) map[string]string {
		_, err := e.srv.SeedObject(emulator.SeedObject{Path: dir, ObjectType: "DIRECTORY"})
		contractSeedErr(t, dir, err)
		return nil
	}
}

func wsFixtureB64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func wsFixtureDoc(lang, source string) string {
	return fmt.Sprintf(`{"language": %q, "content": %q}`, lang, wsFixtureB64(source))
}
