package resource

import (
	"fmt"
	"strings"
)

// WorkspacePrefix is the prefix the service accepts in front of any
// workspace path (reference §10.5): /Workspace/Users/a@x/nb is /Users/a@x/nb.
// Jobs and clusters written by bundles, and the SDK's examples, use it.
const WorkspacePrefix = "/Workspace"

// SplitWorkspacePath returns p without the /Workspace prefix, and whether
// p had it. The bare /Workspace is the root "/".
func SplitWorkspacePath(p string) (string, bool) {
	if p == WorkspacePrefix {
		return "/", true
	}
	if rest, ok := strings.CutPrefix(p, WorkspacePrefix+"/"); ok {
		return "/" + rest, true
	}
	return p, false
}

// isWorkspacePath reports whether a value in a path reference field names a
// workspace object: an absolute path outside the other file systems a
// library or script may live in (Unity Catalog volumes, DBFS through its
// FUSE mount). Relative paths (a Git source's) are not workspace paths.
func isWorkspacePath(p string) bool {
	return strings.HasPrefix(p, "/") && !strings.HasPrefix(p, "/Volumes/") && !strings.HasPrefix(p, "/dbfs/")
}

// logicalValue turns one reference value into its Ref and the logical
// value the document holds. A workspace path is keyed without the
// /Workspace prefix (so it remaps, and orders dependencies, like the bare
// form), but the document keeps the form the object used ("path:/Workspace"
// + key), so the target is written in the same form and, the service
// echoing it, reads back equal.
func logicalValue(kind string, v any, resolve Resolver) (Ref, string, bool) {
	id := fmt.Sprint(v)
	if id == "" || v == nil || (kind == KindPath && !isWorkspacePath(id)) {
		return Ref{}, "", false
	}
	prefix := ""
	if kind == KindPath {
		if bare, had := SplitWorkspacePath(id); had {
			id, prefix = bare, WorkspacePrefix
		}
	}
	key, ok := resolve(kind, id)
	if !ok {
		ref := Ref{Kind: kind, Key: "?" + prefix + id}
		return ref, kind + ":" + ref.Key, true
	}
	return Ref{Kind: kind, Key: key}, kind + ":" + prefix + key, true
}

// resolvePath is the target path for the logical key of a path reference:
// the bare path is resolved (the path map), and the /Workspace form, when
// the key has it, is kept.
func resolvePath(key string, resolve func(Ref) (string, bool)) (string, bool) {
	bare, had := SplitWorkspacePath(key)
	id, ok := resolve(Ref{Kind: KindPath, Key: bare})
	if !ok || !had {
		return id, ok
	}
	if id == "/" {
		return WorkspacePrefix, true
	}
	return WorkspacePrefix + id, true
}
