package emulator

// computeState holds clusters, instance pools and cluster policies.
type computeState struct{}

func newComputeState(*Server) *computeState { return &computeState{} }

func (s *Server) clusterRoutes() {}
