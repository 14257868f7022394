package emulator

// jobsState holds jobs (API 2.2).
type jobsState struct{}

func newJobsState() *jobsState { return &jobsState{} }

func (s *Server) jobsRoutes() {}
