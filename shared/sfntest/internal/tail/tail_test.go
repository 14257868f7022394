package tail

import "testing"

// A long-running process's output must not grow without bound: only the
// end, where a failure's explanation is, is kept.
func TestBufferKeepsTheEnd(t *testing.T) {
	b := &Buffer{Max: 5}
	for _, s := range []string{"abc", "defg", "hi"} {
		if n, err := b.Write([]byte(s)); n != len(s) || err != nil {
			t.Fatalf("Write(%q) = %d, %v", s, n, err)
		}
	}
	if got := b.String(); got != "efghi" {
		t.Errorf("String() = %q, want the last 5 bytes %q", got, "efghi")
	}
}
