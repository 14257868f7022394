// Package catalog knows what the DR (target) workspace can run and the
// workspace-scoped objects drsync does not copy (SQL warehouses, pipelines,
// notification destinations), and answers two questions about a document
// before it is written to DR:
//
//   - Resolve: which DR object stands for each such object a document names
//     by its source id (id_map first, else the DR object of the same name),
//     rewriting the ids in place;
//   - Check: what in the document DR cannot run (node types, runtimes,
//     zones, instance profiles, secrets, principals).
//
// Whatever cannot be resolved or would not run comes back as a
// resource.Blocked, so the object is skipped with its cause instead of being
// sent to fail (DESIGN §3, "Runnable in DR, or visibly not").
//
// The package is kind-agnostic: it walks documents by key path (a
// warehouse_id anywhere, an aws_attributes.zone_id anywhere) and names no
// kind. All reads happen in the Load methods, a few list calls per run
// whatever the number of documents; Resolve and Check are pure lookups.
package catalog
