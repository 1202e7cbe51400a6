package blocking

import (
	"io"
	"os"
	"sync"
	"syscall"
)

// readBufs lends read buffers to connections for one read and what follows
// it (the session's Data call), so that a connection blocked waiting for
// input holds none: an idle client costs its reader goroutine's stack and
// its Conn, not a 16 KiB buffer besides. The pool holds *[]byte: putting a
// slice header in an interface would allocate.
var readBufs = sync.Pool{New: func() any { b := make([]byte, readSize); return &b }}

// A reader reads from a connection's socket into a borrowed buffer.
//
// The wait and the read are split, which a plain Read cannot do: through
// syscall.RawConn.Read, the function tries a non-blocking read(2), and
// returning false on EAGAIN parks the goroutine in the runtime's netpoller
// until the socket is readable (or the read deadline passes) and calls it
// again. The buffer is borrowed only once bytes are there, and given back on
// EAGAIN: nothing is held while the client is quiet.
type reader struct {
	raw  syscall.RawConn
	size int

	// Results of the last try, set by try; reader-goroutine-owned.
	buf *[]byte
	n   int
	err error

	try func(fd uintptr) bool // made once: a closure per read would allocate
}

func newReader(raw syscall.RawConn, size int) *reader {
	r := &reader{raw: raw, size: min(size, readSize)}
	r.try = func(fd uintptr) bool {
		r.buf = readBufs.Get().(*[]byte)
		for {
			r.n, r.err = syscall.Read(int(fd), (*r.buf)[:r.size])
			if r.err != syscall.EINTR {
				break
			}
		}
		if r.err == syscall.EAGAIN {
			readBufs.Put(r.buf)
			r.buf = nil
			return false // wait until readable
		}
		return true
	}
	return r
}

// read waits for input and returns it in a borrowed buffer, which the caller
// gives back with done once it has delivered p. Errors are those of
// net.Conn.Read in spirit: io.EOF at end of stream, a timeout error
// (os.ErrDeadlineExceeded) when the read deadline passes, a system call
// error otherwise.
func (r *reader) read() (p []byte, err error) {
	if err := r.raw.Read(r.try); err != nil {
		r.done()
		return nil, err // the deadline passed, or the socket is closed
	}
	switch {
	case r.err != nil:
		r.done()
		return nil, os.NewSyscallError("read", r.err)
	case r.n == 0:
		r.done()
		return nil, io.EOF
	}
	return (*r.buf)[:r.n], nil
}

// done gives the buffer of the last read back to the pool.
func (r *reader) done() {
	if r.buf != nil {
		readBufs.Put(r.buf)
		r.buf = nil
	}
}
