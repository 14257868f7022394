package connect

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/databricks/databricks-sdk-go/client"
	sdkconfig "github.com/databricks/databricks-sdk-go/config"
	"github.com/databricks/databricks-sdk-go/httpclient"
	"github.com/databricks/databricks-sdk-go/service/compute"
	"github.com/databricks/databricks-sdk-go/service/iam"
	"github.com/databricks/databricks-sdk-go/service/jobs"
	wsapi "github.com/databricks/databricks-sdk-go/service/workspace"
)

// Client is one workspace as drsync talks to it: the service APIs drsync
// calls, all on one SDK client (one auth, one retry and rate budget).
//
// It stands in for the SDK's WorkspaceClient, which links every Databricks
// service into the binary (about 20 MB of a Lambda bootstrap) although drsync
// calls five of them; the per-service constructors keep the linker to those.
type Client struct {
	Config          *sdkconfig.Config
	api             *httpclient.ApiClient
	sdk             *client.DatabricksClient // raw calls the services lack (workspace_large.go), other services (SDK)
	Workspace       *wsapi.WorkspaceAPI
	Jobs            *jobs.JobsAPI
	Clusters        *compute.ClustersAPI
	InstancePools   *compute.InstancePoolsAPI
	ClusterPolicies *compute.ClusterPoliciesAPI
	CurrentUser     *iam.CurrentUserAPI
}

// NewClient resolves cfg (no network call for PAT; see Workspace for M2M)
// and builds the services on one client.
// Errors: the SDK refusing the configuration, or an account-level host.
func NewClient(cfg *sdkconfig.Config) (*Client, error) {
	if err := cfg.EnsureResolved(); err != nil {
		return nil, err
	}
	if cfg.HostType() == sdkconfig.AccountHost {
		return nil, errors.New("host is an account console, not a workspace")
	}
	hc, err := sdkconfig.HTTPClientConfigFromConfig(cfg)
	if err != nil {
		return nil, err
	}
	next := hc.Transport
	if next == nil {
		next = defaultTransport()
	}
	hc.Transport = requestCounter{next: sentTracker{next: next}}
	api := httpclient.NewApiClient(hc)
	c, err := client.NewWithClient(cfg, api)
	if err != nil {
		return nil, err
	}
	// The SDK rewrites cfg.Host (under its lock) when it first authenticates,
	// and reads it without one on every request (Config.HostType), so the
	// first concurrent requests race. Authenticating here, before any request,
	// settles it. It fetches no token; for OAuth M2M it reads the OIDC
	// endpoints, and a failure is left to the first call to retry and report.
	_ = cfg.GetTokenSource()
	return &Client{
		Config:          cfg,
		api:             api,
		sdk:             c,
		Workspace:       wsapi.NewWorkspace(c),
		Jobs:            jobs.NewJobs(c),
		Clusters:        compute.NewClusters(c),
		InstancePools:   compute.NewInstancePools(c),
		ClusterPolicies: compute.NewClusterPolicies(c),
		CurrentUser:     iam.NewCurrentUser(c),
	}, nil
}

// SDK is the SDK client every service here is built on, so a package that
// needs a service this struct leaves out (and links it only where it is
// used) builds it with the SDK's New<Service> on the same auth, retry and
// rate budget, rather than on a second client.
func (c *Client) SDK() *client.DatabricksClient { return c.sdk }

// WorkspaceID is the workspace's id, as the service states it in the
// X-Databricks-Org-Id header of SCIM Me: what tells two workspaces apart
// whatever the URLs that reach them (an alias, a load balancer, 127.0.0.1
// and localhost). Errors: the call's, or a missing or malformed header.
func (c *Client) WorkspaceID(ctx context.Context) (int64, error) {
	var header string
	err := c.api.Do(ctx, http.MethodGet, "/api/2.0/preview/scim/v2/Me",
		httpclient.WithResponseHeader("X-Databricks-Org-Id", &header))
	if err != nil {
		return 0, err
	}
	id, err := strconv.ParseInt(header, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("workspace id: X-Databricks-Org-Id %q is not a number", header)
	}
	return id, nil
}
