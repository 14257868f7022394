package connect

import (
	"errors"

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
	c, err := client.NewWithClient(cfg, httpclient.NewApiClient(hc))
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
		Workspace:       wsapi.NewWorkspace(c),
		Jobs:            jobs.NewJobs(c),
		Clusters:        compute.NewClusters(c),
		InstancePools:   compute.NewInstancePools(c),
		ClusterPolicies: compute.NewClusterPolicies(c),
		CurrentUser:     iam.NewCurrentUser(c),
	}, nil
}
