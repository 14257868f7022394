package emulator

// wsState is the workspace object tree (notebooks, directories, files).
type wsState struct{}

func newWSState(*Server) *wsState { return &wsState{} }

func (s *Server) workspaceRoutes() {}

// SeedObject is one workspace object for seeding: the estate file's shape.
type SeedObject struct {
	Path       string `json:"path"`
	ObjectType string `json:"object_type"`        // NOTEBOOK, DIRECTORY or FILE
	Language   string `json:"language,omitempty"` // notebooks: PYTHON, SCALA, SQL, R
	Content    string `json:"content,omitempty"`  // plain text (not base64)
}

// SeedObject creates o (and any missing parent folders) without going through
// HTTP, rate limits or faults, and returns its object_id.
func (s *Server) SeedObject(o SeedObject) (int64, error) {
	return 0, errorf(501, "NOT_IMPLEMENTED", "SeedObject")
}
