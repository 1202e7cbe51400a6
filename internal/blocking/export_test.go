package blocking

import ()

// FileChunk is fileChunk, for tests that send regions spanning several
// sendfile calls.
const FileChunk = fileChunk

// Queued returns the bytes of output the connection holds that the kernel
// has not taken yet, a file region counting as [netlab.FileRegionCost]. Tests
// use it to see where a send went: straight into the socket, or into the
// queue.
func (c *Conn) Queued() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.out.cost
}
