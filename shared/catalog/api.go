package catalog

import (
	"context"
	"fmt"

	"github.com/databricks/databricks-sdk-go/client"
	"github.com/databricks/databricks-sdk-go/listing"
	"github.com/databricks/databricks-sdk-go/service/compute"
	"github.com/databricks/databricks-sdk-go/service/iam"
	"github.com/databricks/databricks-sdk-go/service/workspace"

	"github.com/drsync/drsync/shared/connect"
	"github.com/drsync/drsync/shared/resource"
)

// The SDK calls the catalog makes, each declared with the SDK's exact
// signature and pinned to the real service below.
type (
	computeAPI interface {
		ListNodeTypes(ctx context.Context) (*compute.ListNodeTypesResponse, error)
		SparkVersions(ctx context.Context) (*compute.GetSparkVersionsResponse, error)
		ListZones(ctx context.Context) (*compute.ListAvailableZonesResponse, error)
	}
	profileAPI interface {
		ListAll(ctx context.Context) ([]compute.InstanceProfile, error)
	}
	secretAPI interface {
		ListScopesAll(ctx context.Context) ([]workspace.SecretScope, error)
		ListSecretsAll(ctx context.Context, request workspace.ListSecretsRequest) ([]workspace.SecretMetadata, error)
	}
	userAPI interface {
		List(ctx context.Context, request iam.ListUsersRequest) listing.Iterator[iam.User]
	}
	groupAPI interface {
		List(ctx context.Context, request iam.ListGroupsRequest) listing.Iterator[iam.Group]
	}
	spAPI interface {
		List(ctx context.Context, request iam.ListServicePrincipalsRequest) listing.Iterator[iam.ServicePrincipal]
	}
)

var (
	_ computeAPI = (*compute.ClustersAPI)(nil)
	_ profileAPI = (*compute.InstanceProfilesAPI)(nil)
	_ secretAPI  = (*workspace.SecretsAPI)(nil)
	_ userAPI    = (*iam.UsersAPI)(nil)
	_ groupAPI   = (*iam.GroupsAPI)(nil)
	_ spAPI      = (*iam.ServicePrincipalsAPI)(nil)
)

// api is one workspace's services the catalog reads.
type api struct {
	sdk      *client.DatabricksClient // the lists of refTypes (lists.go)
	compute  computeAPI
	profiles profileAPI
	secrets  secretAPI
	users    userAPI
	groups   groupAPI
	sps      spAPI
}

// apiOf builds the services on the workspace's own SDK client (one auth,
// retry and rate budget with the rest of drsync). The services are built
// here rather than in connect.Client so only binaries that check DR
// runnability link them.
// Errors: ws.API is not a *connect.Client.
func apiOf(ws resource.Workspace) (*api, error) {
	c, ok := ws.API.(*connect.Client)
	if !ok || c == nil {
		return nil, fmt.Errorf("%s workspace: API is %T, want *connect.Client", ws.Side, ws.API)
	}
	sdk := c.SDK()
	return &api{
		sdk:      sdk,
		compute:  c.Clusters,
		profiles: compute.NewInstanceProfiles(sdk),
		secrets:  workspace.NewSecrets(sdk),
		users:    iam.NewUsers(sdk),
		groups:   iam.NewGroups(sdk),
		sps:      iam.NewServicePrincipals(sdk),
	}, nil
}
