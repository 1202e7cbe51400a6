package blocking

import (
	"fmt"
	"runtime/debug"

	"github.com/netlab-go/netlab"
)

// call runs a session method, turning a panic into a dropped connection: one
// bad session must not take the server down. It reports whether f returned.
func (c *Conn) call(f func()) (ok bool) {
	defer func() {
		if r := recover(); r != nil {
			c.e.counts.Panics.Add(1)
			c.e.log.Error("session panicked; connection closed", "peer", c.peer, "panic", r, "stack", string(debug.Stack()))
			c.fail(fmt.Errorf("session panicked: %v", r))
			ok = false
		}
	}()
	f()
	return true
}

// updateIdle asks the session whether it is between requests. Idle is
// session code too, so it runs under call's panic recovery.
func (c *Conn) updateIdle() {
	i, ok := c.sess.(netlab.Idler)
	if !ok {
		c.idle.Store(true)
		return
	}
	var idle bool
	if c.call(func() { idle = i.Idle() }) {
		c.idle.Store(idle)
	}
}

// quiescent reports whether closing the connection now would cut nothing
// short: nothing queued, nothing being written, the session between requests.
func (c *Conn) quiescent() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.quiescentLocked()
}

func (c *Conn) quiescentLocked() bool {
	return c.state == stateOpen && c.out.empty() && !c.writing && c.idle.Load()
}

// preview is how a debug log shows bytes: quoted, and cut after 64 bytes.
func preview(p []byte) string {
	const most = 64
	if len(p) > most {
		return fmt.Sprintf("%q…", p[:most])
	}
	return fmt.Sprintf("%q", p)
}
