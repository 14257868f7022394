package emulator

// computeState holds clusters, instance pools and cluster policies.
type computeState struct{}

func newComputeState(*Server) *computeState { return &computeState{} }

func (s *Server) clusterRoutes() {}

// SeedCluster creates a cluster from a clusters/create request body. The body may
// also carry "cluster_source" (UI, API, JOB, PIPELINE, ...; default UI) and "state"
// (default TERMINATED) so an estate can hold job clusters and running clusters.
func (s *Server) SeedCluster(body []byte) (string, error) {
	return "", errorf(501, "NOT_IMPLEMENTED", "SeedCluster")
}
