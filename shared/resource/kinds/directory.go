package kinds

import "github.com/drsync/drsync/shared/resource"

// stub until the adapter lands
func newDirectory() resource.Kind { return nil }
