package emulator

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Policy compliance at clusters/create and edit (reference part 2 §9): a
// cluster that breaks its policy is refused with 400
// INVALID_PARAMETER_VALUE, one "Validation failed for <path>, <why>" per
// broken rule, joined by "; " (ISSUE TF#403, MIG#215). The texts for fixed
// values and absent required values are the captured ones; the texts of the
// other rule types are [RECALL] in the same form.
//
// A fixed value the cluster leaves out is not refused: the service fills it
// in (apply_policy_default_values only decides about default values). The
// emulator does not store the filled-in value. An absent value is refused
// only when the rule says isOptional:false and there is no default the
// request asked to apply [RECALL: whether limited attributes are required
// by default is not in the reference, so only the explicit form refuses].

// policyVirtual are policy attributes that are not cluster fields.
var policyVirtual = map[string]bool{"cluster_type": true, "dbus_per_hour": true}

// checkPolicyCompliance checks spec against its policy_id's definition.
func (s *Server) checkPolicyCompliance(spec compDoc) error {
	id, _ := spec.str("policy_id")
	p := s.comp.policies[id]
	if p == nil {
		return nil // existence is checkClusterPolicy's
	}
	raw, _ := p.view().str("definition")
	def, err := parsePolicyJSON(raw)
	if err != nil {
		// A malformed policy is accepted at policy create and fails at
		// launch (§9, CLI#6492).
		return invalidParam("Requests for the policy %s cannot be satisfied due to the malformed policy definition. %v", id, err)
	}
	applyDefaults := spec["apply_policy_default_values"] == true
	var failures []string
	for _, path := range sortedCompKeys(def) {
		rule, _ := def[path].(map[string]any)
		if why := policyViolation(compDoc(rule), spec, path, applyDefaults); why != "" {
			failures = append(failures, fmt.Sprintf("Validation failed for %s, %s", path, why))
		}
	}
	if len(failures) > 0 {
		return invalidParam("%s", strings.Join(failures, "; "))
	}
	return nil
}

// policyViolation is why spec breaks rule at path, or "".
func policyViolation(rule, spec compDoc, path string, applyDefaults bool) string {
	if rule == nil || policyVirtual[path] || strings.ContainsAny(path, "*[") {
		return ""
	}
	v, ok := policyValueAt(spec, path)
	typ, _ := rule.str("type")
	if !ok {
		return absentViolation(rule, typ, applyDefaults)
	}
	switch typ {
	case "fixed":
		if !policyEqual(v, rule["value"]) {
			return fmt.Sprintf("the value must be %s (is %s)", policyPlain(rule["value"]), policyJSON(v))
		}
	case "forbidden":
		return "the value must not be present"
	case "allowlist", "blocklist":
		return listViolation(rule, typ, v)
	case "regex":
		pattern, _ := rule.str("pattern")
		if re, err := regexp.Compile("^(?:" + pattern + ")$"); err == nil && !re.MatchString(policyPlain(v)) {
			return fmt.Sprintf("the value must match the regex %s (is %s)", pattern, policyJSON(v))
		}
	case "range":
		return rangeViolation(rule, v)
	}
	return ""
}

func absentViolation(rule compDoc, typ string, applyDefaults bool) string {
	if typ == "fixed" || typ == "forbidden" || rule["isOptional"] != false {
		return ""
	}
	if applyDefaults && rule.has("defaultValue") {
		return ""
	}
	return "the value must be present"
}

func listViolation(rule compDoc, typ string, v any) string {
	values, _ := rule.list("values")
	in := slices.ContainsFunc(values, func(x any) bool { return policyEqual(v, x) })
	switch {
	case typ == "allowlist" && !in:
		return fmt.Sprintf("the value must be one of %s (is %s)", policyJSON(values), policyJSON(v))
	case typ == "blocklist" && in:
		return fmt.Sprintf("the value must not be one of %s (is %s)", policyJSON(values), policyJSON(v))
	}
	return ""
}

func rangeViolation(rule compDoc, v any) string {
	n, err := strconv.ParseFloat(policyPlain(v), 64)
	if err != nil {
		return fmt.Sprintf("the value must be a number (is %s)", policyJSON(v))
	}
	if hi, ok := policyNumber(rule["maxValue"]); ok && n > hi {
		return fmt.Sprintf("the value must be at most %s (is %s)", policyPlain(rule["maxValue"]), policyPlain(v))
	}
	if lo, ok := policyNumber(rule["minValue"]); ok && n < lo {
		return fmt.Sprintf("the value must be at least %s (is %s)", policyPlain(rule["minValue"]), policyPlain(v))
	}
	return ""
}

// policyValueAt finds a policy path in a cluster spec: "node_type_id",
// "aws_attributes.zone_id", "autoscale.max_workers", and map entries whose
// keys have dots themselves ("spark_conf.spark.databricks.cluster.profile",
// "custom_tags.team").
func policyValueAt(doc compDoc, path string) (any, bool) {
	if v, ok := doc[path]; ok {
		return v, true
	}
	head, rest, ok := strings.Cut(path, ".")
	if !ok {
		return nil, false
	}
	child, isObj := doc[head].(map[string]any)
	if !isObj {
		return nil, false
	}
	return policyValueAt(compDoc(child), rest)
}

// policyPlain is v as the messages print an expected value: strings bare.
func policyPlain(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return policyJSON(v)
}

func policyJSON(v any) string {
	data, _ := json.Marshal(v)
	return string(data)
}

func policyNumber(v any) (float64, bool) {
	if v == nil {
		return 0, false
	}
	n, err := strconv.ParseFloat(policyPlain(v), 64)
	return n, err == nil
}

// policyEqual compares a cluster value with a policy value: numbers by
// value (json.Number and float64 alike), the rest by their JSON.
func policyEqual(a, b any) bool {
	na, okA := policyNumber(a)
	nb, okB := policyNumber(b)
	if okA && okB {
		return na == nb
	}
	return policyPlain(a) == policyPlain(b)
}
