package emulator

func (s *Server) poolRoutes() {}
