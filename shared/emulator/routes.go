package emulator

// registerRoutes wires every endpoint family. Each family lives in its own file
// with its state, handlers and seeding functions.
func (s *Server) registerRoutes() {
	s.workspaceRoutes()
	s.jobsRoutes()
	s.clusterRoutes()
	s.poolRoutes()
	s.policyRoutes()
	s.repoRoutes()
	s.secretRoutes()
	s.identityRoutes()
	s.catalogRoutes()
	s.instanceProfileRoutes()
	s.warehouseRoutes()
	s.pipelineRoutes()
	s.destinationRoutes()
	s.oauthRoutes()
}
