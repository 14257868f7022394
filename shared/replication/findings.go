package replication

import "fmt"

// Finding codes.
const (
	CodeVersioningOff      = "versioning-off"
	CodeNoReplication      = "no-replication"
	CodeNotCovered         = "prefix-not-covered"
	CodeWrongDestination   = "wrong-destination"
	CodeTagFilter          = "tag-filter"
	CodePrefixMismatch     = "prefix-mismatch"
	CodeSameRegion         = "same-region"
	CodeDeleteMarkers      = "delete-markers"
	CodeRTC                = "replication-time-control"
	CodeMetrics            = "replication-metrics"
	CodeKMS                = "sse-kms"
	CodeUnreadable         = "unreadable"
	CodeFailed             = "replication-failed"
	CodeNotEligible        = "not-eligible"
	CodeBehind             = "replication-behind"
	CodeCompletedButAbsent = "completed-but-absent"
	CodeExtra              = "extra-in-dr"
	CodeUnverified         = "etag-unverified"
	CodeProbeBudget        = "probe-budget"
	CodeInventory          = "inventory"
)

func finding(severity, code, format string, args ...any) Finding {
	return Finding{Severity: severity, Code: code, Message: fmt.Sprintf(format, args...)}
}

// objectFindings explains a tally's objects: what the probes found and what
// it means for DR.
func objectFindings(t Tally) []Finding {
	var out []Finding
	if t.Failed > 0 {
		out = append(out, finding(SeverityError, CodeFailed,
			"%d object(s) FAILED replication; S3 never retries a failed object: fix the cause (permissions, KMS key, destination), then re-upload them or run S3 Batch Replication", t.Failed))
	}
	if t.NotEligible > 0 {
		out = append(out, finding(SeverityWarning, CodeNotEligible,
			"%d missing object(s) have no replication status: not eligible (no rule selects them, SSE-KMS without the rule's opt-in, or written before the rule existed); they will never arrive unless copied with S3 Batch Replication", t.NotEligible))
	}
	if t.Pending > 0 && t.Missing > 0 {
		out = append(out, finding(SeverityWarning, CodeBehind,
			"%d missing object(s) are still PENDING: replication is running behind the RPO", t.Pending))
	}
	if t.Completed > 0 {
		out = append(out, finding(SeverityWarning, CodeCompletedButAbsent,
			"%d object(s) are COMPLETED in the source but absent from DR: deleted in DR, or replicated to another destination", t.Completed))
	}
	if t.Extra > 0 {
		out = append(out, finding(SeverityInfo, CodeExtra,
			"%d object(s) exist only in DR: deletes in the source are not replicated by default, or they were written in DR directly", t.Extra))
	}
	if t.Unverified > 0 {
		out = append(out, finding(SeverityWarning, CodeUnverified,
			"%d object(s) of equal size had different ETags and were not probed for encryption (probe budget spent); counted different, though SSE-KMS ETags are not content hashes", t.Unverified))
	}
	if unprobed := t.Missing + t.InFlight - (t.Pending + t.Failed + t.NotEligible + t.Completed); unprobed > 0 && t.Probes > 0 {
		out = append(out, finding(SeverityInfo, CodeProbeBudget,
			"replication status read for %d of %d unreplicated object(s) (probe budget)", t.Missing+t.InFlight-unprobed, t.Missing+t.InFlight))
	}
	return out
}
