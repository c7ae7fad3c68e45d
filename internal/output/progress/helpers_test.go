package progress

import (
	"bytes"
	"os"
	"sync"
)

func openNull() (*os.File, error) { return os.OpenFile(os.DevNull, os.O_WRONLY, 0) }

// syncBuffer is a bytes.Buffer safe for the clock goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
