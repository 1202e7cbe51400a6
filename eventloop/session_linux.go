package eventloop

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"

	"github.com/netlab-go/netlab"
)

// call runs a session method, turning a panic into a dropped connection: one
// bad session must not take the loop, and every connection on it, down. It
// reports whether f returned normally.
func (l *loop) call(c *conn, f func()) (ok bool) {
	defer func() {
		if r := recover(); r != nil {
			l.s.counts.Panics.Add(1)
			l.s.log.Error("session panicked; connection closed", "peer", c.RemoteAddr(), "panic", r, "stack", string(debug.Stack()))
			c.fail(fmt.Errorf("eventloop: session panicked: %v", r))
			ok = false
		}
	}()
	f()
	return true
}

// quiescent reports whether closing c now would cut nothing short: its
// session says it is between requests (or cannot say). The caller has
// checked that nothing is queued.
func (l *loop) quiescent(c *conn) bool {
	i, ok := c.sess.(netlab.Idler)
	if !ok {
		return true
	}
	idle := false
	l.call(c, func() { idle = i.Idle() })
	return idle
}

// debugging reports whether debug logging is on, so that the arguments of a
// debug line (a net.Addr, a preview of the data) are only built when needed.
// It is the loop's answer from the start of the turn: asking the logger
// (an interface call into its handler) on every read and Send was a sixth
// of the loop's own CPU time on the echo benchmark, and a level changed
// mid-turn takes effect at the next one.
func (l *loop) debugging() bool { return l.verbose.Load() }

// askVerbose asks the logger whether it takes debug lines, for debugging.
// It stores only a change, so that in the steady state the flag's cache
// line is not written and other goroutines' reads stay cheap.
func (l *loop) askVerbose() {
	if on := l.s.log.Enabled(context.Background(), slog.LevelDebug); on != l.verbose.Load() {
		l.verbose.Store(on)
	}
}

// debug logs msg about c at debug level.
func (l *loop) debug(msg string, c *conn, args ...any) {
	if l.debugging() {
		l.s.log.Debug(msg, append([]any{"peer", c.RemoteAddr()}, args...)...)
	}
}

// preview is how a debug log shows bytes: quoted, and cut after 64 bytes.
func preview(p []byte) string {
	const most = 64
	if len(p) > most {
		return fmt.Sprintf("%q…", p[:most])
	}
	return fmt.Sprintf("%q", p)
}
