package emulator

func (s *Server) policyRoutes() {}

// SeedPolicy creates a cluster policy from a policies/clusters/create request body.
func (s *Server) SeedPolicy(body []byte) (string, error) {
	return "", errorf(501, "NOT_IMPLEMENTED", "SeedPolicy")
}
