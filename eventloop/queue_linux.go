package eventloop

import (
	"os"
	"sync"

	"github.com/netlab-go/netlab"
)

// Output is kept in chunks borrowed from two pools, so that an idle
// connection holds no buffer at all: a chunk goes back to its pool the moment
// its last byte is in the kernel. Two sizes, because the common reply is a
// line (a chat broadcast queues one small chunk on each of thousands of
// connections at once) while a bulk echo queues tens of kilobytes.
const (
	smallChunk = 512
	largeChunk = 16 << 10
)

var (
	smallChunks = sync.Pool{New: func() any { b := make([]byte, smallChunk); return &b }}
	largeChunks = sync.Pool{New: func() any { b := make([]byte, largeChunk); return &b }}
)

// getChunk borrows a chunk suited to a send of n bytes. Pools hold *[]byte,
// not []byte: putting a slice header into an interface would allocate.
func getChunk(n int) *[]byte {
	if n <= smallChunk {
		return smallChunks.Get().(*[]byte)
	}
	return largeChunks.Get().(*[]byte)
}

func putChunk(b *[]byte) {
	if len(*b) == smallChunk {
		smallChunks.Put(b)
	} else {
		largeChunks.Put(b)
	}
}

// A segment is one entry of an output queue: buffered bytes, or a region of
// a file to be sent with sendfile(2).
type segment struct {
	buf  *[]byte // bytes: (*buf)[r:w] is still to be sent; nil for a file region
	r, w int

	file   *os.File // a file region: n bytes from offset off; the queue owns file
	off, n int64
}

// An outQueue is a connection's pending output, in order. It is not safe for
// concurrent use: the connection's mutex guards it.
type outQueue struct {
	segs []segment // nil when empty, so an idle connection keeps no array
	cost int       // what counts against MaxPending: unsent bytes, plus FileRegionCost per file region
}

func (q *outQueue) empty() bool { return len(q.segs) == 0 }

// appendBytes copies p to the end of the queue, filling the last chunk before
// borrowing another.
func (q *outQueue) appendBytes(p []byte) {
	for len(p) > 0 {
		if n := len(q.segs); n > 0 {
			if last := &q.segs[n-1]; last.buf != nil && last.w < len(*last.buf) {
				k := copy((*last.buf)[last.w:], p)
				last.w += k
				q.cost += k
				p = p[k:]
				continue
			}
		}
		q.segs = append(q.segs, segment{buf: getChunk(len(p))})
	}
}

// appendFile queues n bytes of f from offset off. The queue owns f from now on.
func (q *outQueue) appendFile(f *os.File, off, n int64) {
	q.segs = append(q.segs, segment{file: f, off: off, n: n})
	q.cost += netlab.FileRegionCost
}

// head returns the first segment; the queue must not be empty.
func (q *outQueue) head() *segment { return &q.segs[0] }

// gather appends to iov the byte segments at the head of the queue, up to the
// first file region and at most most of them, ready for writev(2).
func (q *outQueue) gather(iov [][]byte, most int) [][]byte {
	for i := range q.segs {
		s := &q.segs[i]
		if s.buf == nil || len(iov) == most {
			break
		}
		iov = append(iov, (*s.buf)[s.r:s.w])
	}
	return iov
}

// advance drops n bytes that were sent from the byte segments at the head,
// returning every chunk that is now empty to its pool.
func (q *outQueue) advance(n int) {
	for n > 0 {
		s := q.head()
		k := min(n, s.w-s.r)
		s.r += k
		q.cost -= k
		n -= k
		if s.r == s.w {
			putChunk(s.buf)
			q.pop()
		}
	}
}

// advanceFile records that n bytes of the file region at the head were
// sent; once it is all sent, the file is closed and the region dropped.
func (q *outQueue) advanceFile(n int64) {
	s := q.head()
	s.off += n
	s.n -= n
	if s.n == 0 {
		s.file.Close() // read-only: a close error would tell us nothing
		q.cost -= netlab.FileRegionCost
		q.pop()
	}
}

func (q *outQueue) pop() {
	q.segs[0] = segment{} // let the pool and the GC have what it held
	q.segs = q.segs[1:]
	if len(q.segs) == 0 {
		q.segs = nil
	}
}

// release drops everything still queued: chunks go back to their pools and
// files are closed, as the Conn contract promises.
func (q *outQueue) release() {
	for _, s := range q.segs {
		if s.buf != nil {
			putChunk(s.buf)
		} else {
			s.file.Close()
		}
	}
	q.segs, q.cost = nil, 0
}
