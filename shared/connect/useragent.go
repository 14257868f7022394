package connect

import (
	"fmt"
	"strings"
	"sync"

	"github.com/databricks/databricks-sdk-go/useragent"

	"github.com/drsync/drsync/shared/config"
)

// product guards the SDK's process-global product setting. The SDK reads it on
// every request without a lock, so it is written only when it changes (once
// per process in practice), never while clients already talk.
var product struct {
	sync.Mutex
	version string
}

// setProduct makes every SDK request carry "drsync/<version>".
// Errors: version is not semantic versioning (the SDK would panic on it).
func setProduct(version string) (err error) {
	version = normaliseVersion(version)
	product.Lock()
	defer product.Unlock()
	if product.version == version {
		return nil
	}
	defer func() {
		// useragent.WithProduct panics on a malformed version; a bad build
		// stamp must fail the start, not crash it.
		if p := recover(); p != nil {
			err = fmt.Errorf("user agent version %q: %v", version, p)
		}
	}()
	useragent.WithProduct(config.Product, version)
	product.version = version
	return nil
}

// normaliseVersion maps build stamps to semver: "" and "dev" become
// "0.0.0-dev", and "v1.2.3" (a git tag) becomes "1.2.3".
func normaliseVersion(v string) string {
	if v == "" || v == "dev" {
		return "0.0.0-dev"
	}
	return strings.TrimPrefix(v, "v")
}
