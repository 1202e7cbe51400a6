package blocking

import (
	"os"
)

// item is one entry of a connection's output queue: bytes, or a file region.
type item struct {
	b    []byte
	f    *os.File
	off  int64
	n    int64
	cost int
	turn bool // b is the reader's turn buffer: later sends in the turn append to it
}

// maxTurnBuf is the largest turn buffer a connection keeps for reuse.
const maxTurnBuf = 64 << 10

// maxBatch bounds how many queued byte items one writev(2) sends.
const maxBatch = 64

// takeLocked removes the next batch from the queue: one file region, or up to
// maxBatch byte items in a row, which go out in a single writev(2) — the lines
// of a busy chat room leave in one system call instead of one each.
func (c *Conn) takeLocked() (batch []item, cost int) {
	n := 1
	if c.queue[0].f == nil {
		for n < len(c.queue) && n < maxBatch && c.queue[n].f == nil {
			n++
		}
	}
	batch = append(batch, c.queue[:n]...)
	for i := range n {
		cost += c.queue[i].cost
		c.queue[i] = item{}
	}
	c.queue = c.queue[n:]
	return batch, cost
}
