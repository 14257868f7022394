package emulator

func (s *Server) poolRoutes() {}

// SeedPool creates an instance pool from an instance-pools/create request body.
func (s *Server) SeedPool(body []byte) (string, error) {
	return "", errorf(501, "NOT_IMPLEMENTED", "SeedPool")
}
