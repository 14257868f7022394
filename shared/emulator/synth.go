package emulator

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
)

// SynthSpec sizes a synthetic estate. Zero counts are allowed; Seed makes the
// result repeatable (0 behaves as 1).
type SynthSpec struct {
	Notebooks, Files, Jobs, Clusters, Pools, Policies int
	Seed                                              uint64
}

// Synthesize builds a realistic estate of the requested size, deterministically
// for a given spec:
//   - notebooks in folders of 20-50 under /Users/<user>/<project>[/<sub>] and
//     /Shared/<team>/<area>[/<sub>], languages mixed (mostly Python, then SQL,
//     Scala, R), 200 B - 4 KB of plausible source each; files (yaml, sql, py,
//     json, md) spread over the same folders;
//   - policies and pools with unique names; clusters about 85% UI/API (a fifth of
//     them RUNNING), the rest JOB, many on pools and policies;
//   - jobs of 1-8 tasks on notebooks that exist (or python files), with
//     job_clusters on pools/policies, some existing_cluster_id on UI/API clusters,
//     some run_job_task to earlier jobs, and a mix of paused and unpaused
//     schedules, continuous jobs, file-arrival and periodic triggers.
//
// Everything is linked with estate references ({{pool:NAME}}, ...), resolved by Seed.
func Synthesize(spec SynthSpec) *Estate {
	seed := max(spec.Seed, 1)
	g := &synth{rng: rand.New(rand.NewPCG(seed, seed^0x5eed5eed5eed5eed)), spec: spec}
	e := &Estate{}
	g.workspace(e)
	e.Policies = g.bodies(spec.Policies, g.policy)
	e.Pools = g.bodies(spec.Pools, g.pool)
	e.Clusters = g.bodies(spec.Clusters, g.cluster)
	e.Jobs = g.bodies(spec.Jobs, g.job)
	return e
}

// synth carries the generator's rng and the names later entries refer to.
type synth struct {
	rng  *rand.Rand
	spec SynthSpec

	folders   []string
	notebooks []string
	pyFiles   []string
	policies  []string
	pools     []string
	clusters  []string // UI/API clusters only: the ones a task may run on
	jobs      []string
}

var (
	synthFirst    = []string{"ana", "ben", "chloe", "dev", "emma", "farid", "grace", "hiro", "ines", "jonas", "kofi", "lena", "mateo", "nina", "omar", "priya", "quinn", "rosa", "sam", "tara"}
	synthLast     = []string{"garcia", "smith", "nguyen", "patel", "mueller", "rossi", "kim", "okafor", "silva", "cohen", "tanaka", "larsen"}
	synthTeams    = []string{"data-eng", "analytics", "ml", "finance", "marketing", "platform", "risk", "growth"}
	synthAreas    = []string{"ingest", "transform", "reporting", "features", "quality", "exports", "experiments", "dashboards"}
	synthProjects = []string{"orders-pipeline", "churn-model", "pricing", "attribution", "forecasting", "scratch", "fraud-detection", "inventory", "recsys", "sessionization"}
	synthSubs     = []string{"dev", "prod", "archive", "v2", "backfill", "exploration"}
	synthVerbs    = []string{"ingest", "clean", "aggregate", "score", "train", "export", "validate", "enrich", "dedupe", "backfill", "compact", "report"}
	synthNouns    = []string{"orders", "customers", "events", "sessions", "invoices", "inventory", "payments", "clicks", "shipments", "reviews", "campaigns", "accounts"}
	synthNodes    = []string{"i3.xlarge", "i3.2xlarge", "r5.xlarge", "r5.2xlarge", "m5d.large", "m5d.2xlarge", "c5d.xlarge"}
	synthSparkVer = []string{"15.4.x-scala2.12", "14.3.x-scala2.12", "16.4.x-scala2.12", "15.4.x-photon-scala2.12"}
	synthZones    = []string{"us-west-2a", "us-west-2b", "us-west-2c", "auto"}
	synthTZ       = []string{"UTC", "America/New_York", "Europe/London", "Asia/Tokyo", "America/Los_Angeles"}
)

func synthPick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// between returns an int in [lo, hi].
func (g *synth) between(lo, hi int) int { return lo + g.rng.IntN(hi-lo+1) }

// chance is true with probability p.
func (g *synth) chance(p float64) bool { return g.rng.Float64() < p }

// bodies builds n JSON bodies with build(i).
func (g *synth) bodies(n int, build func(i int) map[string]any) []json.RawMessage {
	out := make([]json.RawMessage, 0, n)
	for i := range n {
		b, err := json.Marshal(build(i))
		if err != nil {
			panic(err) // maps of strings, numbers and slices always marshal
		}
		out = append(out, b)
	}
	return out
}

// workspace fills folders of 20-50 notebooks, then scatters the files.
func (g *synth) workspace(e *Estate) {
	users := max(2, g.spec.Notebooks/300)
	seen := map[string]bool{}
	for left := g.spec.Notebooks; left > 0; {
		dir := g.folder(users, seen)
		n := min(left, g.between(20, 50))
		for i := range n {
			e.Workspace = append(e.Workspace, g.notebook(dir, i))
		}
		left -= n
	}
	for i := range g.spec.Files {
		if len(g.folders) == 0 || g.chance(0.1) {
			g.folder(users, seen)
		}
		e.Workspace = append(e.Workspace, g.file(synthPick(g.rng, g.folders), i))
	}
}

// folder invents a new folder path (unique: a clash gets a numeric suffix).
func (g *synth) folder(users int, seen map[string]bool) string {
	var dir string
	if g.chance(0.6) {
		u := g.rng.IntN(users)
		user := synthFirst[u%len(synthFirst)] + "." + synthLast[(u/len(synthFirst))%len(synthLast)]
		if u >= len(synthFirst)*len(synthLast) {
			user += fmt.Sprint(u) // more users than name pairs
		}
		dir = "/Users/" + user + "@example.com/" + synthPick(g.rng, synthProjects)
	} else {
		dir = "/Shared/" + synthPick(g.rng, synthTeams) + "/" + synthPick(g.rng, synthAreas)
	}
	if g.chance(0.4) {
		dir += "/" + synthPick(g.rng, synthSubs)
	}
	base := dir
	for n := 2; seen[dir]; n++ {
		dir = fmt.Sprintf("%s-%d", base, n)
	}
	seen[dir] = true
	g.folders = append(g.folders, dir)
	return dir
}

func (g *synth) notebook(dir string, i int) SeedObject {
	lang := g.language()
	path := fmt.Sprintf("%s/%02d_%s_%s", dir, i, synthPick(g.rng, synthVerbs), synthPick(g.rng, synthNouns))
	g.notebooks = append(g.notebooks, path)
	return SeedObject{Path: path, ObjectType: "NOTEBOOK", Language: lang, Content: g.source(lang)}
}

// language: about 55% Python, 25% SQL, 12% Scala, 8% R.
func (g *synth) language() string {
	switch p := g.rng.IntN(100); {
	case p < 55:
		return "PYTHON"
	case p < 80:
		return "SQL"
	case p < 92:
		return "SCALA"
	}
	return "R"
}

// synthCells are source snippets per language; %[1]s is a table, %[2]s a team.
var synthCells = map[string][]string{
	"PYTHON": {
		"df = spark.table(\"silver.%[1]s\")\ndisplay(df.limit(100))\n",
		"from pyspark.sql import functions as F\n\nagg = (spark.table(\"silver.%[1]s\")\n       .groupBy(\"region\")\n       .agg(F.count(\"*\").alias(\"n\"), F.sum(\"amount\").alias(\"total\")))\nagg.write.mode(\"overwrite\").saveAsTable(\"gold.%[1]s_by_region\")\n",
		"dbutils.widgets.text(\"env\", \"prod\")\nenv = dbutils.widgets.get(\"env\")\nsrc = f\"s3://acme-%[2]s-{env}/%[1]s/\"\nraw = spark.read.format(\"json\").load(src)\n",
		"# MAGIC %%md\n# MAGIC ### %[1]s\n# MAGIC Owned by the %[2]s team. Update the checks below when the schema changes.\n",
		"bad = spark.table(\"silver.%[1]s\").filter(\"id IS NULL\").count()\nassert bad == 0, f\"{bad} rows without id in %[1]s\"\n",
	},
	"SQL": {
		"SELECT region, count(*) AS n, sum(amount) AS total\nFROM silver.%[1]s\nWHERE event_date >= current_date() - INTERVAL 7 DAYS\nGROUP BY region\nORDER BY total DESC\n",
		"CREATE OR REPLACE TABLE gold.%[1]s_daily AS\nSELECT event_date, count(*) AS n\nFROM silver.%[1]s\nGROUP BY event_date\n",
		"OPTIMIZE silver.%[1]s ZORDER BY (event_date)\n",
		"MERGE INTO silver.%[1]s t\nUSING bronze.%[1]s s ON t.id = s.id\nWHEN MATCHED THEN UPDATE SET *\nWHEN NOT MATCHED THEN INSERT *\n",
	},
	"SCALA": {
		"val df = spark.table(\"silver.%[1]s\")\nprintln(s\"rows: ${df.count()}\")\n",
		"import org.apache.spark.sql.functions._\n\nval daily = spark.table(\"silver.%[1]s\")\n  .groupBy(to_date(col(\"ts\")).as(\"day\"))\n  .count()\ndaily.write.mode(\"overwrite\").saveAsTable(\"gold.%[1]s_daily\")\n",
		"spark.conf.set(\"spark.sql.shuffle.partitions\", \"64\")\nspark.conf.set(\"spark.sql.adaptive.enabled\", \"true\")\n",
	},
	"R": {
		"library(SparkR)\ndf <- sql(\"SELECT * FROM silver.%[1]s LIMIT 1000\")\nhead(collect(df))\n",
		"library(ggplot2)\nlocal <- collect(sql(\"SELECT event_date, count(*) AS n FROM silver.%[1]s GROUP BY event_date\"))\nggplot(local, aes(event_date, n)) + geom_line() + labs(title = \"%[1]s per day (%[2]s)\")\n",
	},
}

// source is a notebook of 200 B - 4 KB: header, then cells until the target size.
func (g *synth) source(lang string) string {
	comment, sep := "#", "\n# COMMAND ----------\n\n"
	switch lang {
	case "SQL":
		comment, sep = "--", "\n-- COMMAND ----------\n\n"
	case "SCALA":
		comment, sep = "//", "\n// COMMAND ----------\n\n"
	}
	target := g.between(200, 4000)
	var b strings.Builder
	b.Grow(target + 1024)
	b.WriteString(comment + " Databricks notebook source\n")
	table, team := synthPick(g.rng, synthNouns), synthPick(g.rng, synthTeams)
	for first := true; b.Len() < target; first = false {
		cell := fmt.Sprintf(synthPick(g.rng, synthCells[lang]), table, team)
		if !first && b.Len()+len(sep)+len(cell) > 4096 {
			break
		}
		if !first {
			b.WriteString(sep)
		}
		b.WriteString(cell)
	}
	return b.String()
}

// synthFiles are workspace file kinds: extension and content template.
var synthFiles = []struct{ ext, body string }{
	{"yaml", "source:\n  table: bronze.%[1]s\n  path: s3://acme-%[2]s/%[1]s/\ntarget:\n  table: silver.%[1]s\nretention_days: 30\n"},
	{"sql", "CREATE TABLE IF NOT EXISTS silver.%[1]s (\n  id STRING,\n  amount DECIMAL(12,2),\n  event_date DATE\n) USING DELTA;\n"},
	{"py", "\"\"\"Maintenance for %[1]s (%[2]s).\"\"\"\nimport sys\n\nfrom pyspark.sql import SparkSession\n\nspark = SparkSession.builder.getOrCreate()\nfor table in sys.argv[1:] or [\"silver.%[1]s\"]:\n    spark.sql(f\"OPTIMIZE {table}\")\n"},
	{"json", "{\"table\": \"silver.%[1]s\", \"owner\": \"%[2]s\", \"sla_hours\": 6}\n"},
	{"md", "# %[1]s\n\nOwned by %[2]s. See the notebooks in this folder.\n"},
}

func (g *synth) file(dir string, i int) SeedObject {
	kind := synthPick(g.rng, synthFiles)
	noun := synthPick(g.rng, synthNouns)
	path := fmt.Sprintf("%s/%s_%04d.%s", dir, noun, i, kind.ext)
	if kind.ext == "py" {
		g.pyFiles = append(g.pyFiles, path)
	}
	return SeedObject{Path: path, ObjectType: "FILE", Content: fmt.Sprintf(kind.body, noun, synthPick(g.rng, synthTeams))}
}

func (g *synth) policy(i int) map[string]any {
	team := synthPick(g.rng, synthTeams)
	name := fmt.Sprintf("%s-compute-%03d", team, i)
	g.policies = append(g.policies, name)
	def := map[string]any{
		"spark_version":           map[string]any{"type": "unlimited", "defaultValue": synthSparkVer[0]},
		"autotermination_minutes": map[string]any{"type": "range", "maxValue": 240, "defaultValue": 60},
		"node_type_id":            map[string]any{"type": "allowlist", "values": synthNodes[:3+g.rng.IntN(4)]},
	}
	defJSON, _ := json.Marshal(def)
	body := map[string]any{"name": name, "definition": string(defJSON),
		"description": fmt.Sprintf("Clusters for the %s team.", team)}
	if g.chance(0.3) {
		body["max_clusters_per_user"] = g.between(1, 5)
	}
	return body
}

func (g *synth) pool(i int) map[string]any {
	node := synthPick(g.rng, synthNodes)
	name := fmt.Sprintf("%s-pool-%03d", strings.ReplaceAll(node, ".", "-"), i)
	g.pools = append(g.pools, name)
	avail := "SPOT"
	if g.chance(0.3) {
		avail = "ON_DEMAND"
	}
	return map[string]any{
		"instance_pool_name": name, "node_type_id": node,
		"min_idle_instances": g.rng.IntN(3), "max_capacity": 10 * g.between(1, 10),
		"idle_instance_autotermination_minutes": synthPick(g.rng, []int{10, 15, 30, 60}),
		"aws_attributes":                        map[string]any{"availability": avail, "zone_id": synthPick(g.rng, synthZones[:3])},
		"preloaded_spark_versions":              []string{synthPick(g.rng, synthSparkVer)},
		"custom_tags":                           map[string]any{"team": synthPick(g.rng, synthTeams)},
	}
}

// cluster: about 85% UI/API (a fifth RUNNING), the rest JOB clusters.
func (g *synth) cluster(i int) map[string]any {
	team := synthPick(g.rng, synthTeams)
	c := g.computeSpec(team)
	if g.chance(0.15) {
		c["cluster_name"] = fmt.Sprintf("job-%d-run-%d", 100000+g.rng.IntN(900000), i)
		c["cluster_source"] = "JOB"
		c["state"] = "TERMINATED"
		return c
	}
	name := fmt.Sprintf("%s-%s-%03d", team, synthPick(g.rng, []string{"shared", "adhoc", "dev", "bi", "etl", "ml"}), i)
	g.clusters = append(g.clusters, name)
	c["cluster_name"] = name
	c["cluster_source"] = synthPick(g.rng, []string{"UI", "UI", "API"})
	c["state"] = "TERMINATED"
	if g.chance(0.2) {
		c["state"] = "RUNNING"
	}
	c["autotermination_minutes"] = synthPick(g.rng, []int{30, 60, 120})
	return c
}

// computeSpec is a cluster spec on a pool (when any, half the time) or a node
// type, under a policy (when any, 40% of the time).
func (g *synth) computeSpec(team string) map[string]any {
	c := map[string]any{
		"spark_version":      synthPick(g.rng, synthSparkVer),
		"data_security_mode": synthPick(g.rng, []string{"SINGLE_USER", "USER_ISOLATION"}),
		"custom_tags":        map[string]any{"team": team},
	}
	if len(g.pools) > 0 && g.chance(0.5) {
		pool := "{{pool:" + synthPick(g.rng, g.pools) + "}}"
		c["instance_pool_id"], c["driver_instance_pool_id"] = pool, pool
	} else {
		c["node_type_id"] = synthPick(g.rng, synthNodes)
	}
	if len(g.policies) > 0 && g.chance(0.4) {
		c["policy_id"] = "{{policy:" + synthPick(g.rng, g.policies) + "}}"
		// Every synthetic policy allows at least the first three node
		// types: keep the cluster compliant, without drawing from the rng
		// (so the rest of the estate stays as it was).
		if node, ok := c["node_type_id"].(string); ok && slices.Index(synthNodes, node) >= 3 {
			c["node_type_id"] = synthNodes[slices.Index(synthNodes, node)%3]
		}
	}
	if g.chance(0.3) {
		c["autoscale"] = map[string]any{"min_workers": 1, "max_workers": g.between(2, 16)}
	} else {
		c["num_workers"] = g.between(1, 8)
	}
	return c
}

func (g *synth) job(i int) map[string]any {
	team := synthPick(g.rng, synthTeams)
	name := fmt.Sprintf("%s-%s-%s-%04d", team, synthPick(g.rng, synthVerbs), synthPick(g.rng, synthNouns), i)
	job := map[string]any{
		"name":                name,
		"max_concurrent_runs": 1,
		"tags":                map[string]any{"team": team},
	}
	if g.chance(0.4) {
		job["email_notifications"] = map[string]any{"on_failure": []string{team + "-oncall@example.com"}}
	}
	g.trigger(job)
	tasks, clusterKeys := g.tasks()
	job["tasks"] = tasks
	if len(clusterKeys) > 0 {
		var jcs []map[string]any
		for _, key := range clusterKeys {
			jcs = append(jcs, map[string]any{"job_cluster_key": key, "new_cluster": g.computeSpec(team)})
		}
		job["job_clusters"] = jcs
	}
	g.jobs = append(g.jobs, name)
	return job
}

// trigger: half on a cron schedule (60% unpaused), some continuous, file-arrival
// or periodic, the rest run on demand.
func (g *synth) trigger(job map[string]any) {
	pause := "PAUSED"
	if g.chance(0.6) {
		pause = "UNPAUSED"
	}
	switch p := g.rng.IntN(100); {
	case p < 50:
		job["schedule"] = map[string]any{
			"quartz_cron_expression": fmt.Sprintf("0 %d %d * * ?", g.rng.IntN(60), g.rng.IntN(24)),
			"timezone_id":            synthPick(g.rng, synthTZ), "pause_status": pause,
		}
	case p < 55:
		job["continuous"] = map[string]any{"pause_status": pause}
	case p < 65:
		job["trigger"] = map[string]any{"pause_status": pause,
			"file_arrival": map[string]any{"url": fmt.Sprintf("s3://acme-landing/%s/", synthPick(g.rng, synthNouns))}}
	case p < 72:
		job["trigger"] = map[string]any{"pause_status": pause,
			"periodic": map[string]any{"interval": g.between(1, 12), "unit": "HOURS"}}
	}
}

// tasks builds 1-8 tasks in a small DAG and returns the job cluster keys used.
func (g *synth) tasks() ([]map[string]any, []string) {
	n := g.between(1, 8)
	nClusters := g.between(1, 2)
	used := map[string]bool{}
	tasks := make([]map[string]any, 0, n)
	for i := range n {
		key := fmt.Sprintf("t%02d_%s", i+1, synthPick(g.rng, synthVerbs))
		t := map[string]any{"task_key": key}
		if i > 0 {
			t["depends_on"] = []map[string]any{{"task_key": tasks[g.rng.IntN(i)]["task_key"]}}
		}
		if g.work(t) {
			switch {
			case len(g.clusters) > 0 && g.chance(0.2):
				t["existing_cluster_id"] = "{{cluster:" + synthPick(g.rng, g.clusters) + "}}"
			default:
				ck := fmt.Sprintf("cluster_%d", 1+g.rng.IntN(nClusters))
				t["job_cluster_key"] = ck
				used[ck] = true
			}
		}
		tasks = append(tasks, t)
	}
	var keys []string
	for i := range nClusters {
		if ck := fmt.Sprintf("cluster_%d", i+1); used[ck] {
			keys = append(keys, ck)
		}
	}
	return tasks, keys
}

// work sets what the task runs; false means it needs no cluster.
func (g *synth) work(t map[string]any) bool {
	switch {
	case len(g.jobs) > 0 && g.chance(0.08):
		t["run_job_task"] = map[string]any{"job_id": "{{job:" + synthPick(g.rng, g.jobs) + "}}"}
		return false
	case len(g.pyFiles) > 0 && (len(g.notebooks) == 0 || g.chance(0.1)):
		t["spark_python_task"] = map[string]any{"python_file": synthPick(g.rng, g.pyFiles), "source": "WORKSPACE"}
	case len(g.notebooks) > 0:
		nt := map[string]any{"notebook_path": synthPick(g.rng, g.notebooks)}
		if g.chance(0.3) {
			nt["base_parameters"] = map[string]any{"env": "prod"}
		}
		t["notebook_task"] = nt
	default:
		// Nothing to run in an estate without notebooks or python files.
		t["condition_task"] = map[string]any{"op": "EQUAL_TO", "left": "1", "right": "1"}
		return false
	}
	return true
}
