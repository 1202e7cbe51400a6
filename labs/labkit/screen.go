package labkit

import (
	"bytes"
	"io"
	"sync"
	"testing"
	"time"
)

// A Screen is an io.Writer that stands for a terminal: a lab's client or
// server prints to it, and the test waits for each line as it appears. It is
// safe for concurrent use, as a terminal is.
type Screen struct {
	mu      sync.Mutex
	partial []byte      // the line being printed; guarded by mu
	lines   chan string // every whole line printed, in order
}

var _ io.Writer = (*Screen)(nil)

// NewScreen returns an empty Screen that holds up to 1024 lines nobody has
// looked at yet; past that, Write waits for the test.
func NewScreen() *Screen { return &Screen{lines: make(chan string, 1024)} }

// Write records p, line by line.
func (s *Screen) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.partial = append(s.partial, p...)
	for {
		i := bytes.IndexByte(s.partial, '\n')
		if i < 0 {
			return len(p), nil
		}
		s.lines <- string(s.partial[:i])
		s.partial = s.partial[i+1:]
	}
}

// Next returns the next line printed, or ok false if none is printed
// within d.
func (s *Screen) Next(d time.Duration) (line string, ok bool) {
	select {
	case line := <-s.lines:
		return line, true
	case <-time.After(d):
		return "", false
	}
}

// Expect fails the test unless the next line printed, within [Patience],
// is want; why says what a screen that stays blank means.
func (s *Screen) Expect(t testing.TB, want, why string) {
	t.Helper()
	got, ok := s.Next(Patience)
	if !ok {
		t.Fatalf("waited %.1fs for %q to be printed and the screen stayed blank: %s", Patience.Seconds(), want, why)
	}
	if got != want {
		t.Fatalf("printed %q, want %q", got, want)
	}
}
