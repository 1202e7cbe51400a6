package netlabtest

import (
	"testing"
	"time"
)

// Await waits for a value on ch and returns it, failing the test after
// [Timeout]; what names the event for the failure message.
func Await[T any](t testing.TB, ch <-chan T, what string) T {
	t.Helper()
	timer := time.NewTimer(Timeout)
	defer timer.Stop()
	select {
	case v := <-ch:
		return v
	case <-timer.C:
		t.Fatalf("gave up after %v waiting for %s", Timeout, what)
		panic("unreachable")
	}
}

// WaitFor checks cond every millisecond until it holds, and fails the test
// after [Timeout]. It is for state that another goroutine (or process)
// changes without an event to wait on — a counter in Stats, a temporary
// file being removed — never a way to let time pass: cond must be the very
// thing the test waits for.
func WaitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.NewTimer(Timeout)
	defer deadline.Stop()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-deadline.C:
			t.Fatalf("gave up after %v waiting for %s", Timeout, what)
		case <-tick.C:
		}
	}
}

// Next waits for the next value on ch and returns it, failing the test if
// ch is closed first or after [Timeout]: a stream of lines that must go on.
func Next[T any](t testing.TB, ch <-chan T, what string) T {
	t.Helper()
	timer := time.NewTimer(Timeout)
	defer timer.Stop()
	select {
	case v, ok := <-ch:
		if !ok {
			t.Fatalf("the stream ended while waiting for %s", what)
		}
		return v
	case <-timer.C:
		t.Fatalf("gave up after %v waiting for %s", Timeout, what)
		panic("unreachable")
	}
}
