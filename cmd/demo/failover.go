package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/databricks/databricks-sdk-go"
	"github.com/databricks/databricks-sdk-go/service/jobs"
	"github.com/databricks/databricks-sdk-go/service/workspace"
)

// The second half of the story: an audit-log delivery turned into a
// targeted sync, then a failover, work in DR during the outage, the way
// back, and a failback.

const (
	auditFile   = "auditlogs_0001.json"
	monitoring  = "/Shared/ml/model_monitoring"
	pausedJob   = "churn-model-weekly"
	browserUA   = "Mozilla/5.0 (X11; Linux x86_64) Chrome/128.0.0.0 Safari/537.36"
	hotfixInDR  = "# Databricks notebook source\nprint('drift check v3: hotfix made in DR during the outage')\n"
	sourceEdit2 = "# Databricks notebook source\nprint('drift check v2.1')\n"
)

func (d *demo) drStory() error {
	if err := d.auditDelivery(); err != nil {
		return err
	}
	if err := d.expect(0, "9. Is DR ready to take over? (reads the ledger, asks DR who it is; changes nothing)", "readiness"); err != nil {
		return err
	}
	before, err := d.jobStates(d.srcW)
	if err != nil {
		return err
	}
	if err := d.expect(0, "10. Fail over (a drill: the primary still answers, so its schedules are frozen first)", "failover"); err != nil {
		return err
	}
	fmt.Fprintf(d.out, "\nDR's jobs now run exactly as the primary's did (%s was paused there, so it stays paused):\n", pausedJob)
	if err := d.compareJobs("primary before", before, "DR now", d.tgtW); err != nil {
		return err
	}
	if err := d.outage(); err != nil {
		return err
	}
	if err := d.expect(0, "13. The primary is back: carry DR's changes to it (DR → primary)", "sync", "--reverse"); err != nil {
		return err
	}
	drBefore, err := d.jobStates(d.tgtW)
	if err != nil {
		return err
	}
	if err := d.expect(0, "14. Fail back: the primary runs again exactly as DR ran, DR goes back to warm standby", "failback"); err != nil {
		return err
	}
	if err := d.afterFailback(drBefore); err != nil {
		return err
	}
	return d.expect(0, "15. Ready for the next failover?", "readiness")
}

// auditDelivery changes the source, writes the audit-log records Databricks
// would deliver for it, and syncs only what they name.
func (d *demo) auditDelivery() error {
	fmt.Fprintf(d.out, "\n=== 7. In the source: edit a notebook, pause a job; Databricks delivers the audit-log records\n")
	if err := d.putNotebook(d.srcW, monitoring, sourceEdit2); err != nil {
		return err
	}
	id, err := d.jobID(d.srcW, pausedJob)
	if err != nil {
		return err
	}
	if err := d.setPause(d.srcW, id, jobs.PauseStatusPaused); err != nil {
		return err
	}
	lines := []string{
		auditLine(1, "notebook", "modifyNotebook", map[string]string{"path": monitoring}),
		auditLine(2, "jobs", "update", map[string]string{"job_id": fmt.Sprint(id)}),
		auditLine(3, "jobs", "runNow", map[string]string{"job_id": fmt.Sprint(id)}),
	}
	if err := os.WriteFile(filepath.Join(d.dir, auditFile), []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		return err
	}
	fmt.Fprintf(d.out, "  edited   notebook %s\n  paused   job %s\n  %s: notebook/modifyNotebook, jobs/update, jobs/runNow (a run: ignored)\n",
		monitoring, pausedJob, auditFile)
	d.src.ResetRequests()
	if err := d.expect(0, "8. The delivery becomes the targeted sync the auditlog function would run", "sync", "--from-audit-log", auditFile); err != nil {
		return err
	}
	fmt.Fprintf(d.out, "\nThat sync made %d requests to the source: it read only the objects the records name.\n", total(d.src.Requests()))
	return nil
}

// auditLine is one audit-log record as Databricks writes it, by a person
// in a browser in the source workspace.
func auditLine(n int, service, action string, params map[string]string) string {
	b, _ := json.Marshal(map[string]any{ // plain maps always marshal
		"version": "2.0", "auditLevel": "WORKSPACE_LEVEL", "timestamp": time.Now().UnixMilli() + int64(n),
		"workspaceId": sourceWorkspaceID, "orgId": fmt.Sprint(sourceWorkspaceID), "userAgent": browserUA,
		"userIdentity": map[string]any{"email": "alice@example.com"}, "serviceName": service, "actionName": action,
		"requestId": fmt.Sprintf("demo-%04d", n), "requestParams": params,
		"response": map[string]any{"statusCode": 200, "errorMessage": nil, "result": nil},
	})
	return string(b)
}

// outage shows a forward sync refused, then makes a fix in DR.
func (d *demo) outage() error {
	if err := d.expect(1, "11. A sync from the primary would now overwrite the live DR: refused", "sync"); err != nil {
		return err
	}
	fmt.Fprintf(d.out, "\n=== 12. During the outage the team works in DR: a hotfix to %s\n", monitoring)
	if err := d.putNotebook(d.tgtW, monitoring, hotfixInDR); err != nil {
		return err
	}
	fmt.Fprintf(d.out, "  edited   notebook %s in DR\n", monitoring)
	return nil
}

// afterFailback shows the primary running as DR did, DR warm again, and the
// hotfix in the primary.
func (d *demo) afterFailback(drBefore map[string]string) error {
	fmt.Fprintf(d.out, "\nThe primary's jobs run as DR's did:\n")
	if err := d.compareJobs("DR before", drBefore, "primary now", d.srcW); err != nil {
		return err
	}
	drNow, err := d.jobStates(d.tgtW)
	if err != nil {
		return err
	}
	running := 0
	for _, s := range drNow {
		if strings.Contains(s, string(jobs.PauseStatusUnpaused)) {
			running++
		}
	}
	src, err := d.notebook(d.srcW, monitoring)
	if err != nil {
		return err
	}
	fmt.Fprintf(d.out, "\nDR is warm again: %d of its %d jobs unpaused.\nThe primary's %s now reads: %s\n",
		running, len(drNow), monitoring, strings.TrimSpace(strings.TrimPrefix(src, "# Databricks notebook source")))
	return nil
}

// compareJobs prints each job's schedule state in two places side by side.
func (d *demo) compareJobs(beforeName string, before map[string]string, nowName string, w *databricks.WorkspaceClient) error {
	now, err := d.jobStates(w)
	if err != nil {
		return err
	}
	names := make([]string, 0, len(before))
	for n := range before {
		names = append(names, n)
	}
	slices.Sort(names)
	tw := tabwriter.NewWriter(d.out, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  JOB\t%s\t%s\t\n", strings.ToUpper(beforeName), strings.ToUpper(nowName))
	for _, n := range names {
		same := "same"
		if before[n] != now[n] {
			same = "DIFFERENT"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", n, before[n], now[n], same)
	}
	return tw.Flush()
}

// jobStates maps each job of w to how it runs by itself: its schedule,
// trigger or continuous pause status.
func (d *demo) jobStates(w *databricks.WorkspaceClient) (map[string]string, error) {
	all, err := w.Jobs.ListAll(d.ctx, jobs.ListJobsRequest{})
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, j := range all {
		s := j.Settings
		switch {
		case s.Schedule != nil:
			out[s.Name] = "schedule " + string(s.Schedule.PauseStatus)
		case s.Trigger != nil:
			out[s.Name] = "trigger " + string(orUnpaused(s.Trigger.PauseStatus))
		case s.Continuous != nil:
			out[s.Name] = "continuous " + string(orUnpaused(s.Continuous.PauseStatus))
		}
	}
	return out, nil
}

// orUnpaused: the service leaves a trigger's or a continuous job's pause
// status out when it is unpaused.
func orUnpaused(s jobs.PauseStatus) jobs.PauseStatus {
	if s == "" {
		return jobs.PauseStatusUnpaused
	}
	return s
}

func (d *demo) jobID(w *databricks.WorkspaceClient, name string) (int64, error) {
	all, err := w.Jobs.ListAll(d.ctx, jobs.ListJobsRequest{Name: name})
	if err != nil || len(all) != 1 {
		return 0, fmt.Errorf("job %s: %d found, %v", name, len(all), err)
	}
	return all[0].JobId, nil
}

// setPause sets the pause status of job id's schedule.
func (d *demo) setPause(w *databricks.WorkspaceClient, id int64, s jobs.PauseStatus) error {
	j, err := w.Jobs.GetByJobId(d.ctx, id)
	if err != nil {
		return err
	}
	sched := *j.Settings.Schedule
	sched.PauseStatus = s
	return w.Jobs.Update(d.ctx, jobs.UpdateJob{JobId: id, NewSettings: &jobs.JobSettings{Schedule: &sched}})
}

// notebook exports a notebook's source.
func (d *demo) notebook(w *databricks.WorkspaceClient, path string) (string, error) {
	exp, err := w.Workspace.Export(d.ctx, workspace.ExportRequest{Path: path, Format: workspace.ExportFormatSource})
	if err != nil {
		return "", err
	}
	b, err := base64.StdEncoding.DecodeString(exp.Content)
	return string(b), err
}
