package resource

// KindPath names whatever workspace object is at a path, whatever its kind: a
// reference from a job or an init script to a notebook or file, and a key an
// audit-log event names without telling its kind (a folder stands for its
// subtree). Paths are remapped by the pair's path map, not through the ledger.
const KindPath = "path"

// Schema declares, per kind, how a raw API document becomes a normalised one and
// back. Field paths are dot-separated JSON names; a segment ending in "[]" walks
// every element of an array ("tasks[].new_cluster.policy_id").
type Schema struct {
	// Drop lists output-only fields and fields that must not be copied.
	Drop []string
	// Defaults maps a field to the value the server fills in when it is absent;
	// a field holding its default is removed, so "absent" and "default" compare equal.
	Defaults map[string]any
	// Refs maps a field holding a reference to the kind it references
	// (KindPath for workspace paths; only absolute paths are references).
	Refs map[string]string
	// NumericRefs lists the Refs fields whose wire value is a number (job ids).
	NumericRefs []string
	// Unordered maps an array field to the element field that identifies an
	// element ("" = the whole element); such arrays are sorted before comparing.
	Unordered map[string]string
	// JSONStrings lists string fields that hold JSON (a policy definition); they
	// are compared parsed, and sent re-encoded.
	JSONStrings []string
	// Marker is the map entry drsync writes into target objects to carry their
	// source key ("custom_tags.drsync-source"); "" if the kind has none.
	Marker string
	// MarkerLimit is the most entries the map holding the marker may have
	// (the service's tag limit, reference §3.4); 0 means no limit. An object
	// already at the limit is written without the marker (MarkerFits).
	MarkerLimit int
	// MatchByName adopts an unrecorded target object with the same Name.
	MatchByName bool
	// Paths means the identity is the workspace path (mapped by the path map).
	Paths bool
	// ForceNew lists fields the API cannot change in place; a change there means
	// delete and create.
	ForceNew []string
}

// MarkerTag is the tag key drsync sets on objects it creates in the target.
const MarkerTag = "drsync-source"
