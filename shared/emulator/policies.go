package emulator

func (s *Server) policyRoutes() {}
