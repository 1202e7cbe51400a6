package blocking

import (
	"os"

	"github.com/netlab-go/netlab"
)

// An item is one entry of an output queue: bytes, or a region of a file to
// be sent with sendfile(2).
type item struct {
	b    []byte
	f    *os.File // a file region: n bytes from offset off; the queue owns f
	off  int64
	n    int64
	cost int
	turn bool // b is the reader's turn buffer: later sends in the turn append to it
}

const (
	// maxTurnBuf is the largest turn buffer a queue keeps for reuse.
	maxTurnBuf = 64 << 10

	// maxBatch bounds how many byte items one writev(2) sends.
	maxBatch = 64
)

// An outQueue is a connection's pending output, in order. It is not safe for
// concurrent use: the connection's mutex guards it.
//
// Bytes sent during the reader's turn gather in one turn buffer, which the
// queue takes back once the reader has written it and lends to the next
// turn: an echo reply costs no allocation, and three sends in a turn cost
// one write. Bytes sent from other goroutines are copied into an item each,
// for the writer goroutine to send in one writev(2).
type outQueue struct {
	items []item
	// cost is what counts against MaxPending: unsent bytes, plus
	// FileRegionCost per file region, including the batch the writer is
	// sending now.
	cost  int
	spare []byte  // a turn buffer for the next turn, or nil
	arr   [2]item // the items' backing array while the queue is short
}

func (q *outQueue) empty() bool { return len(q.items) == 0 }

// head returns the first item; the queue must not be empty.
func (q *outQueue) head() *item { return &q.items[0] }

// appendBytes copies p to the end of the queue: into the turn buffer if turn
// is set, into an item of its own if not.
func (q *outQueue) appendBytes(p []byte, turn bool) {
	if !turn {
		q.push(item{b: append([]byte(nil), p...), cost: len(p)})
		return
	}
	if n := len(q.items); n > 0 && q.items[n-1].turn {
		last := &q.items[n-1]
		last.b = append(last.b, p...)
		last.cost += len(p)
		q.cost += len(p)
		return
	}
	b := append(q.spare[:0], p...)
	q.spare = nil // the item owns it until it is written
	q.push(item{b: b, cost: len(p), turn: true})
}

// appendFile queues n bytes of f from offset off. The queue owns f from now on.
func (q *outQueue) appendFile(f *os.File, off, n int64) {
	q.push(item{f: f, off: off, n: n, cost: netlab.FileRegionCost})
}

func (q *outQueue) push(it item) {
	q.items = append(q.items, it)
	q.cost += it.cost
}

// advance records that n bytes of the byte item at the head were written,
// and drops the item once all of it is, taking back a turn buffer for reuse.
// It reports whether the item is gone.
func (q *outQueue) advance(n int) bool {
	head := q.head()
	q.cost -= n
	if n < len(head.b) {
		head.b, head.cost = head.b[n:], head.cost-n
		return false
	}
	if head.turn && cap(head.b) <= maxTurnBuf {
		q.spare = head.b[:0]
	}
	q.items[0] = item{}
	q.items = q.items[1:]
	q.shrink()
	return true
}

// take removes the next batch for the writer: one file region, or up to
// maxBatch byte items in a row, which go out in a single writev(2), so the
// lines of a busy chat room leave in one system call instead of one each.
// Their cost stays in the queue's until the writer calls sent.
func (q *outQueue) take() (batch []item, cost int) {
	n := 1
	if q.items[0].f == nil {
		for n < len(q.items) && n < maxBatch && q.items[n].f == nil {
			n++
		}
	}
	batch = append(batch, q.items[:n]...)
	for i := range n {
		cost += q.items[i].cost
		q.items[i] = item{}
	}
	q.items = q.items[n:]
	return batch, cost
}

// sent records that a batch from take, of the given cost, is written.
func (q *outQueue) sent(cost int) {
	q.cost -= cost
	q.shrink()
}

// shrink moves an empty queue back to its own small array, letting a
// burst's larger one go.
func (q *outQueue) shrink() {
	if len(q.items) == 0 {
		q.items = q.arr[:0]
	}
}

// release drops everything still queued and closes its files, as the Conn
// contract promises.
func (q *outQueue) release() {
	for _, it := range q.items {
		if it.f != nil {
			it.f.Close()
		}
	}
	q.items, q.cost = nil, 0
}
