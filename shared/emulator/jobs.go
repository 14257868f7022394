package emulator

// jobsState holds jobs (API 2.2).
type jobsState struct{}

func newJobsState() *jobsState { return &jobsState{} }

func (s *Server) jobsRoutes() {}

// SeedJob creates a job from a jobs/create request body and returns its job_id.
func (s *Server) SeedJob(body []byte) (int64, error) {
	return 0, errorf(501, "NOT_IMPLEMENTED", "SeedJob")
}
