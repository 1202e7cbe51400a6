package frame

import (
	"io"
	"sync"
)

// Calls makes tagged calls over one stream and routes their answers. Make
// one with [NewCalls]; a Calls must not be copied. Its methods are safe for
// concurrent use.
//
// The stream's reader hands each [Answer] frame to [Calls.Answer], and calls
// [Calls.Lost] when the stream ends, which fails every call waiting and
// every later one.
type Calls struct {
	w *Writer

	mu      sync.Mutex
	lastTag uint64                 // guarded by mu
	waiting map[uint64]chan string // tag → where its answer goes; guarded by mu
	lost    bool                   // guarded by mu
}

// NewCalls returns calls that send their requests with w.
func NewCalls(w *Writer) *Calls { return &Calls{w: w} }

// Call sends the frame "verb TAG text", with a fresh TAG, and waits for the
// answer with that tag. It reports false if the stream was lost before the
// answer came (or before the call was made). A call holds a goroutine and a
// map entry until it is answered or the stream is lost: the other side must
// answer every call, which both of netlab's protocols do.
func (c *Calls) Call(verb, text string) (result string, ok bool) {
	c.mu.Lock()
	if c.lost {
		c.mu.Unlock()
		return "", false
	}
	if c.waiting == nil {
		c.waiting = make(map[uint64]chan string)
	}
	c.lastTag++
	tag := c.lastTag
	ch := make(chan string, 1)
	c.waiting[tag] = ch
	c.mu.Unlock()

	// A write error means the stream is broken; the reader sees that too
	// and calls Lost, which closes ch.
	c.w.Write(Frame{Verb: verb, Num: tag, Text: text})
	result, ok = <-ch
	return result, ok
}

// Answer hands result to the call waiting for tag, and reports whether one
// was.
func (c *Calls) Answer(tag uint64, result string) bool {
	c.mu.Lock()
	ch := c.waiting[tag]
	delete(c.waiting, tag)
	c.mu.Unlock()
	if ch == nil {
		return false
	}
	ch <- result
	return true
}

// Lost fails every call waiting, and every call made from now on.
func (c *Calls) Lost() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lost = true
	for tag, ch := range c.waiting {
		close(ch)
		delete(c.waiting, tag)
	}
}

// A Writer writes whole frames to a stream, one at a time, so that the
// frames of goroutines writing at once never interleave. Its methods are
// safe for concurrent use.
type Writer struct {
	mu  sync.Mutex
	w   io.Writer // guarded by mu
	buf []byte    // guarded by mu
}

// NewWriter returns a writer of frames to w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

// Write writes f's line in one write. It blocks as long as the stream does.
func (w *Writer) Write(f Frame) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = f.Append(w.buf[:0])
	_, err := w.w.Write(w.buf)
	return err
}
