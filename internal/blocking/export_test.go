package blocking

import "time"

// LastActive returns when the connection last did something that keeps it
// from being idle (see touch): tests of the idle rule wait on it.
func (c *Conn) LastActive() time.Time { return time.Unix(0, c.lastActive.Load()) }

// Queued returns the bytes of output the connection holds that the kernel
// has not taken yet, a file region counting as [netlab.FileRegionCost]. Tests
// use it to see where a send went: straight into the socket, or into the
// queue.
func (c *Conn) Queued() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.out.cost
}
