package emulator

// secretsState holds secret scopes, keys (values never served) and ACLs.
type secretsState struct{}

func newSecretsState() *secretsState { return &secretsState{} }

func (s *Server) secretRoutes() {}
