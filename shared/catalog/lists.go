package catalog

import (
	"context"

	"github.com/databricks/databricks-sdk-go/listing"
	"github.com/databricks/databricks-sdk-go/service/pipelines"
	"github.com/databricks/databricks-sdk-go/service/settings"
	"github.com/databricks/databricks-sdk-go/service/sql"
)

// pipelinesPage is the largest pipelines/list page (the default is 25 and
// more than 100 is refused, reference §6).
const pipelinesPage = 100

// listNamed reads every object of type t in a workspace, by id and name.
func listNamed(ctx context.Context, a *api, t refType) (named, error) {
	switch t {
	case warehouseRef:
		return collect(ctx, a.warehouses.List(ctx, sql.ListWarehousesRequest{}),
			func(w sql.EndpointInfo) (string, string) { return w.Id, w.Name })
	case pipelineRef:
		return collect(ctx, a.pipelines.ListPipelines(ctx, pipelines.ListPipelinesRequest{MaxResults: pipelinesPage}),
			func(p pipelines.PipelineStateInfo) (string, string) { return p.PipelineId, p.Name })
	default:
		return collect(ctx, a.destinations.List(ctx, settings.ListNotificationDestinationsRequest{}),
			func(d settings.ListNotificationDestinationsResult) (string, string) { return d.Id, d.DisplayName })
	}
}

// collect drains it into a named index, with idName giving an item's id and name.
func collect[T any](ctx context.Context, it listing.Iterator[T], idName func(T) (string, string)) (named, error) {
	var n named
	for it.HasNext(ctx) {
		item, err := it.Next(ctx)
		if err != nil {
			return named{}, err
		}
		n.add(idName(item))
	}
	return n, nil
}
