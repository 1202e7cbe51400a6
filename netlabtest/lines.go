package netlabtest

import (
	"strings"
	"sync"
	"testing"
	"time"
)

// Lines is an io.Writer that keeps what is written to it line by line, for
// a test to read a child process's output as it comes: the nth line, the
// lines that hold a word, or a channel closed when one first does. Its
// methods are safe for concurrent use; the zero value is ready to use.
type Lines struct {
	mu      sync.Mutex
	all     []string      // the complete lines so far, without their LF; guarded by mu
	part    string        // a line not yet ended; guarded by mu
	ended   bool          // End was called: no more lines will come; guarded by mu
	changed chan struct{} // closed and replaced when a line is added or at End; guarded by mu
	seen    []seenWaiter  // the channels of Seen not yet closed; guarded by mu
}

// A seenWaiter is a channel of [Lines.Seen] and the text it waits for.
type seenWaiter struct {
	substr string
	ch     chan struct{}
}

// Write adds p's complete lines and keeps the rest for the next Write. It
// never fails.
func (l *Lines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	text := l.part + string(p)
	added := false
	for {
		line, rest, ok := strings.Cut(text, "\n")
		if !ok {
			break
		}
		l.all = append(l.all, line)
		text, added = rest, true
		l.seen = closeSeenLocked(l.seen, line)
	}
	l.part = text
	if added {
		l.changedLocked()
	}
	return len(p), nil
}

// closeSeenLocked closes the channels of waiters that line satisfies and
// returns the others.
func closeSeenLocked(waiters []seenWaiter, line string) []seenWaiter {
	kept := waiters[:0]
	for _, w := range waiters {
		if strings.Contains(line, w.substr) {
			close(w.ch)
		} else {
			kept = append(kept, w)
		}
	}
	return kept
}

// changedLocked wakes every [Lines.Line] waiting.
func (l *Lines) changedLocked() {
	if l.changed != nil {
		close(l.changed)
	}
	l.changed = make(chan struct{})
}

// End says that no more lines will come (the writer is gone), so that a
// [Lines.Line] waiting for one fails at once. A line not ended by an LF is
// kept as it is, out of the lines.
func (l *Lines) End() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ended = true
	l.changedLocked()
}

// Line returns line n (from 0), waiting up to [Timeout] for it to be
// written; the test fails, saying what it waited for, if it is not.
func (l *Lines) Line(t testing.TB, n int, what string) string {
	t.Helper()
	deadline := time.NewTimer(Timeout)
	defer deadline.Stop()
	for {
		l.mu.Lock()
		if n < len(l.all) {
			line := l.all[n]
			l.mu.Unlock()
			return line
		}
		ended := l.ended
		if l.changed == nil {
			l.changed = make(chan struct{})
		}
		changed := l.changed
		l.mu.Unlock()
		if ended {
			t.Fatalf("waiting for %s: the output ended after %d lines", what, n)
		}
		select {
		case <-changed:
		case <-deadline.C:
			t.Fatalf("gave up after %v waiting for %s", Timeout, what)
		}
	}
}

// Matching returns the lines so far that hold substr.
func (l *Lines) Matching(substr string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var m []string
	for _, line := range l.all {
		if strings.Contains(line, substr) {
			m = append(m, line)
		}
	}
	return m
}

// Seen returns a channel that is closed once a line holds substr: at once
// if one already does. It stays open if none ever does.
func (l *Lines) Seen(substr string) <-chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	ch := make(chan struct{})
	for _, line := range l.all {
		if strings.Contains(line, substr) {
			close(ch)
			return ch
		}
	}
	l.seen = append(l.seen, seenWaiter{substr, ch})
	return ch
}

// String returns everything written so far.
func (l *Lines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.all) == 0 {
		return l.part
	}
	return strings.Join(l.all, "\n") + "\n" + l.part
}
