package emulator

// wsState is the workspace object tree (notebooks, directories, files).
type wsState struct{}

func newWSState(*Server) *wsState { return &wsState{} }

func (s *Server) workspaceRoutes() {}
