package kinds

// The ClusterSpec field lists shared by all-purpose clusters (cluster.go) and
// the new_cluster blocks of jobs (job.go), and the few helpers the four API
// adapters (policy, pool, cluster, job) share.

import (
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/databricks/databricks-sdk-go/apierr"

	"github.com/drsync/drsync/shared/connect"
	"github.com/drsync/drsync/shared/resource"
)

// clusterSpecDrop lists ClusterSpec fields never copied, relative to the spec.
var clusterSpecDrop = []string{
	// A concrete zone ("us-west-2a") does not exist in the DR region; without
	// one the target picks its own ("auto").
	"aws_attributes.zone_id",
}

// jobClusterSpecDrop adds what a job's new_cluster never reads back:
// apply_policy_default_values is accepted by jobs/create and never returned
// by jobs/get, so there is nothing to copy or compare. (An all-purpose
// cluster shows it under spec; clusterDoc keeps it.)
var jobClusterSpecDrop = append(slices.Clone(clusterSpecDrop), "apply_policy_default_values")

// clusterSpecDefaults are the values a ClusterSpec field reads back with when it
// was not sent. Every one is also what the SDK sends for an absent field (a
// zero value is left out of the request), so dropping them loses nothing.
var clusterSpecDefaults = map[string]any{
	"autotermination_minutes":               0, // 0 = never
	"enable_elastic_disk":                   false,
	"enable_local_disk_encryption":          false,
	"is_single_node":                        false,
	"use_ml_runtime":                        false,
	"aws_attributes.availability":           "SPOT_WITH_FALLBACK",
	"aws_attributes.first_on_demand":        1,
	"aws_attributes.spot_bid_price_percent": 100,
	"aws_attributes.ebs_volume_count":       0,
	"apply_policy_default_values":           false,
}

// jobClusterDefaults are the defaults the Jobs service adds to a new_cluster on
// top of clusterSpecDefaults (reference §2.2: job clusters default to
// SINGLE_USER; all-purpose clusters have no such default).
var jobClusterDefaults = map[string]any{
	"data_security_mode": "SINGLE_USER",
}

// clusterSpecRefs are the references a ClusterSpec holds. init_scripts keep
// their order (scripts run in it), so they are not Unordered.
var clusterSpecRefs = map[string]string{
	"instance_pool_id":                     Pool,
	"driver_instance_pool_id":              Pool,
	"policy_id":                            Policy,
	"init_scripts[].workspace.destination": resource.KindPath,
}

// prefixList returns fields with prefix prepended to each.
func prefixList(prefix string, fields []string) []string {
	out := make([]string, len(fields))
	for i, f := range fields {
		out[i] = prefix + f
	}
	return out
}

// prefixMap returns m with prefix prepended to each key, added into into.
func prefixMap[V any](into map[string]V, prefix string, m map[string]V) map[string]V {
	if into == nil {
		into = map[string]V{}
	}
	for k, v := range m {
		into[prefix+k] = v
	}
	return into
}

// jobClusterFieldDefaults are clusterSpecDefaults plus jobClusterDefaults.
func jobClusterFieldDefaults() map[string]any {
	m := maps.Clone(clusterSpecDefaults)
	maps.Copy(m, jobClusterDefaults)
	return m
}

// cleanClusterSpec removes from a raw ClusterSpec (in place) the values the
// service derives from other fields, which a Schema's plain Defaults cannot
// express because the default depends on another field:
//   - with a worker pool, node_type_id and enable_elastic_disk come from the
//     pool, and with any pool driver_node_type_id does (sending them with a
//     pool is even refused);
//   - driver_node_type_id defaults to node_type_id;
//   - driver_instance_pool_id defaults to instance_pool_id;
//   - with autoscale, num_workers is the current size, not a setting.
//
// num_workers is otherwise kept, 0 included: a single-node cluster must send
// num_workers 0 explicitly.
func cleanClusterSpec(spec map[string]any) {
	if spec == nil {
		return
	}
	pool, hasPool := spec["instance_pool_id"]
	if hasPool {
		delete(spec, "node_type_id")
		delete(spec, "enable_elastic_disk")
	}
	if hasPool || spec["driver_instance_pool_id"] != nil {
		delete(spec, "driver_node_type_id")
	}
	if drv, ok := spec["driver_node_type_id"]; ok && drv == spec["node_type_id"] {
		delete(spec, "driver_node_type_id")
	}
	if drv, ok := spec["driver_instance_pool_id"]; ok && hasPool && drv == pool {
		delete(spec, "driver_instance_pool_id")
	}
	if spec["autoscale"] != nil {
		delete(spec, "num_workers")
	}
}

// apiClient asserts the workspace's API to drsync's client.
func apiClient(ws resource.Workspace) (*connect.Client, error) {
	w, ok := ws.API.(*connect.Client)
	if !ok || w == nil {
		return nil, fmt.Errorf("%s workspace: API is %T, want *connect.Client", ws.Side, ws.API)
	}
	return w, nil
}

// apiDeleteGone runs del and reports a missing object as success. Jobs and
// clusters answer a missing id with the legacy 400 INVALID_PARAMETER_VALUE,
// which the SDK maps to ErrNotFound on GET only; so after such an error a GET
// (exists) decides whether the object is gone, never the message text.
func apiDeleteGone(del func() error, exists func() error) error {
	err := del()
	if err == nil || errors.Is(err, apierr.ErrNotFound) {
		return nil
	}
	if errors.Is(err, apierr.ErrInvalidParameterValue) && errors.Is(exists(), apierr.ErrNotFound) {
		return nil
	}
	return err
}

// docStr returns d[key] as a string ("" when absent or not a string).
func docStr(d map[string]any, key string) string {
	s, _ := d[key].(string)
	return s
}

// docObj returns d[key] as an object (nil when absent or not an object).
func docObj(d map[string]any, key string) map[string]any {
	m, _ := d[key].(map[string]any)
	return m
}

// docObjs returns the objects of the array d[key].
func docObjs(d map[string]any, key string) []map[string]any {
	arr, _ := d[key].([]any)
	out := make([]map[string]any, 0, len(arr))
	for _, el := range arr {
		if m, ok := el.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

// docKeys lists a document's keys for an error message.
func docKeys(d resource.Doc) []string {
	return slices.Sorted(maps.Keys(d))
}

// found turns a not-found error into found=false; any other error stays.
func found(err error) (bool, error) {
	if errors.Is(err, apierr.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}
