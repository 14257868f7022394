package catalog

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/databricks/databricks-sdk-go/client"
)

// The lists of the objects drsync does not copy are read by plain
// token-paged GETs on the workspace's SDK client (same auth, retries and
// rate budget) rather than through the SDK's sql, pipelines and settings
// services: the catalog needs two fields of each, and those three packages
// would add about a megabyte to every Lambda bootstrap.

// refList is where one refType is listed (reference §5–§7) and how.
type refList struct {
	path  string         // GET path
	query map[string]any // first page's query
	items string         // the response member holding the page's objects
	id    string         // each object's id and name members
	name  string
}

// pipelinesPage is the largest pipelines/list page (the default is 25 and
// more than 100 is refused, reference §6).
const pipelinesPage = 100

var refListings = map[refType]refList{
	warehouseRef: {path: "/api/2.0/sql/warehouses", items: "warehouses", id: "id", name: "name"},
	pipelineRef: {path: "/api/2.0/pipelines", query: map[string]any{"max_results": pipelinesPage},
		items: "statuses", id: "pipeline_id", name: "name"},
	destinationRef: {path: "/api/2.0/notification-destinations", items: "results", id: "id", name: "display_name"},
}

// maxPages bounds a listing, so a service that keeps answering with a
// next_page_token cannot hold a run forever.
const maxPages = 10000

// listNamed reads every object of type t in a workspace, by id and name,
// following next_page_token until a page has none.
func listNamed(ctx context.Context, sdk *client.DatabricksClient, t refType) (named, error) {
	l, ok := refListings[t]
	if !ok {
		return named{}, fmt.Errorf("%s: not listed", refSpecs[t].noun)
	}
	var n named
	query := map[string]any{}
	for k, v := range l.query {
		query[k] = v
	}
	for range maxPages {
		var page map[string]json.RawMessage
		if err := sdk.Do(ctx, http.MethodGet, l.path, nil, nil, query, &page); err != nil {
			return named{}, err
		}
		var items []map[string]any
		if raw, ok := page[l.items]; ok {
			if err := json.Unmarshal(raw, &items); err != nil {
				return named{}, fmt.Errorf("decode %s: %w", l.path, err)
			}
		}
		for _, it := range items {
			id, _ := it[l.id].(string)
			name, _ := it[l.name].(string)
			if id != "" {
				n.add(id, name)
			}
		}
		var next string
		if raw, ok := page["next_page_token"]; ok {
			_ = json.Unmarshal(raw, &next) // not a string: no next page
		}
		if next == "" {
			return n, nil
		}
		query["page_token"] = next
	}
	return named{}, fmt.Errorf("%s: still paging after %d pages", l.path, maxPages)
}
