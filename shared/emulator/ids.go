package emulator

import (
	"fmt"
	"strings"
)

// Server-assigned ids in the service's formats (reference §2). All of these
// must be called with s.mu held: they draw from the shared seeded rng.

const lowerAlnum = "abcdefghijklmnopqrstuvwxyz0123456789"

func (s *Server) randString(alphabet string, n int) string {
	var b strings.Builder
	for range n {
		b.WriteByte(alphabet[s.rng.IntN(len(alphabet))])
	}
	return b.String()
}

// stamp is the MMDD-HHMMSS prefix of cluster and pool ids.
func (s *Server) stamp() string {
	return s.opts.Now().UTC().Format("0102-150405")
}

// newClusterID looks like "0926-131212-k8f3x2qa".
func (s *Server) newClusterID() string {
	return s.stamp() + "-" + s.randString(lowerAlnum, 8)
}

// newPoolID looks like "0926-120001-pool7-pool-a1b2c3d4".
func (s *Server) newPoolID() string {
	words := []string{"fetch", "plank", "hoist", "crane", "ember", "gauge"}
	w := words[s.rng.IntN(len(words))]
	return fmt.Sprintf("%s-%s%d-pool-%s", s.stamp(), w, s.rng.IntN(100), s.randString(lowerAlnum, 8))
}

// newPolicyID is 16 upper-case hex characters, e.g. "E06216CAA0000360".
func (s *Server) newPolicyID() string {
	return fmt.Sprintf("%016X", s.rng.Uint64())
}

// newJobID is a positive 15-16 digit number, as real job ids are.
func (s *Server) newJobID() int64 {
	return 100_000_000_000_000 + s.rng.Int64N(900_000_000_000_000)
}

// newObjectID is a positive 16 digit number for workspace objects.
func (s *Server) newObjectID() int64 {
	return int64(2e15) + s.rng.Int64N(int64(1e15)) // 2e15..3e15: 16 digits, like real object ids
}
