// Package tail keeps the end of a process's output, for the errors and the
// failed-test logs of the harness's node and RIE processes.
package tail

import "sync"

// Buffer keeps the last Max bytes written to it; it is safe for concurrent
// writers (a process's stdout and stderr).
type Buffer struct {
	Max int

	mu  sync.Mutex
	buf []byte
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if over := len(b.buf) - b.Max; over > 0 {
		b.buf = append(b.buf[:0], b.buf[over:]...)
	}
	return len(p), nil
}

// String returns what is kept.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}
