package netlabtest

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"sync"

	"github.com/netlab-go/netlab"
)

// Conn is a recording [netlab.Conn]: it keeps every byte a session sends,
// reads each file region into the record at once (the Conn owns the file,
// as the contract says, and closes it), and counts closes. It lets a test
// drive a [netlab.Session] — or a hub of them — with no socket and no
// model. Its methods are safe for concurrent use, as a Conn's must be.
//
// With Max set, Conn overflows the way a model's bounded queue does: the
// Send that would pass Max bytes of record drops the connection and
// returns [netlab.ErrOverflow].
type Conn struct {
	// Max bounds the bytes the record holds before Send drops the
	// connection; zero means no bound. Set it before the first Send.
	Max int

	// Addr is what RemoteAddr returns; nil means 127.0.0.1:40000.
	Addr net.Addr

	mu      sync.Mutex
	out     bytes.Buffer  // what was sent and not yet taken; guarded by mu
	sends   int           // Send calls that were recorded; guarded by mu
	files   int           // SendFile calls that were recorded; guarded by mu
	closes  int           // Close calls; guarded by mu
	closed  bool          // Close called or overflowed; guarded by mu
	dropped chan struct{} // closed on overflow; made on first use, guarded by mu
	done    chan struct{} // closed on the first Close or the overflow; as dropped
}

var _ netlab.Conn = (*Conn)(nil)

// NewConn returns an empty recording Conn with no bound. The zero Conn is
// ready to use too; NewConn reads better where a Conn is passed at once.
func NewConn() *Conn { return &Conn{} }

// chansLocked makes the channels the zero Conn lacks.
func (c *Conn) chansLocked() {
	if c.done == nil {
		c.done, c.dropped = make(chan struct{}), make(chan struct{})
	}
}

// Send records a copy of p. After Close or an overflow it returns
// [netlab.ErrConnClosed].
func (c *Conn) Send(p []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return netlab.ErrConnClosed
	}
	if c.Max > 0 && c.out.Len()+len(p) > c.Max {
		c.closeLocked()
		close(c.dropped) // closeLocked made it
		return netlab.ErrOverflow
	}
	c.sends++
	c.out.Write(p)
	return nil
}

// SendFile records n bytes of f from off and closes f, also when it
// returns an error.
func (c *Conn) SendFile(f *os.File, off, n int64) error {
	defer f.Close()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return netlab.ErrConnClosed
	}
	c.files++
	if _, err := io.Copy(&c.out, io.NewSectionReader(f, off, n)); err != nil {
		return fmt.Errorf("netlabtest: read the file region: %w", err)
	}
	return nil
}

// Close marks the connection closed. It may be called more than once.
func (c *Conn) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closes++
	c.closeLocked()
	return nil
}

func (c *Conn) closeLocked() {
	c.chansLocked()
	if !c.closed {
		c.closed = true
		close(c.done)
	}
}

// RemoteAddr returns c.Addr, or 127.0.0.1:40000.
func (c *Conn) RemoteAddr() net.Addr {
	if c.Addr != nil {
		return c.Addr
	}
	return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40000}
}

// Take returns what was sent since the last Take and empties the record.
func (c *Conn) Take() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.out.String()
	c.out.Reset()
	return s
}

// String returns what was sent since the last Take, leaving it recorded.
func (c *Conn) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.out.String()
}

// Sends returns how many Sends were recorded (those that returned nil).
func (c *Conn) Sends() int { return c.count(&c.sends) }

// Files returns how many file regions were recorded.
func (c *Conn) Files() int { return c.count(&c.files) }

// Closes returns how many times Close was called.
func (c *Conn) Closes() int { return c.count(&c.closes) }

// count reads one of the counters under the lock.
func (c *Conn) count(n *int) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return *n
}

// Closed reports whether Close was called or the connection overflowed.
func (c *Conn) Closed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

// Done returns a channel closed when the connection is closed or dropped,
// for a test that waits on another goroutine's Close.
func (c *Conn) Done() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.chansLocked()
	return c.done
}

// Dropped returns a channel closed when a Send overflowed Max.
func (c *Conn) Dropped() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.chansLocked()
	return c.dropped
}
