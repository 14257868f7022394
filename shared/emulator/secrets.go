package emulator

// secretsState holds secret scopes, keys (values never served) and ACLs.
type secretsState struct{}

func newSecretsState() *secretsState { return &secretsState{} }

func (s *Server) secretRoutes() {}

// SeedSecretScope creates a scope with the given keys (values are kept, never served).
func (s *Server) SeedSecretScope(scope string, keys map[string]string) error {
	return errorf(501, "NOT_IMPLEMENTED", "SeedSecretScope")
}
