package frame_test

import (
	"net"
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netlab-go/netlab/internal/frame"
)

// answering serves the other end of a pipe: it answers each call "VERB TAG
// TEXT" with "answer TAG VERB:TEXT", in the reverse order of every pair, so
// that answers come back out of order.
func answering(t *testing.T, c net.Conn) {
	r, w := frame.NewReader(c, 256), frame.NewWriter(c)
	var held *frame.Frame
	for {
		f, err := r.Read()
		if err != nil {
			return
		}
		if held == nil {
			held = &f
			continue
		}
		for _, g := range []frame.Frame{f, *held} {
			w.Write(frame.Frame{Verb: frame.Answer, Num: g.Num, Text: g.Verb + ":" + g.Text})
		}
		held = nil
	}
}

// reading routes the answers that come back to calls until the stream ends.
func reading(r *frame.Reader, calls *frame.Calls) {
	for {
		f, err := r.Read()
		if err != nil {
			calls.Lost()
			return
		}
		if f.Verb == frame.Answer {
			calls.Answer(f.Num, f.Text)
		}
	}
}

func TestCalls(t *testing.T) {
	t.Run("each of many calls at once gets its own answer, whatever the order", func(t *testing.T) {
		mine, theirs := net.Pipe()
		done := make(chan struct{})
		go func() { defer close(done); answering(t, theirs) }()
		calls := frame.NewCalls(frame.NewWriter(mine))
		readDone := make(chan struct{})
		go func() { defer close(readDone); reading(frame.NewReader(mine, 256), calls) }()

		var wg sync.WaitGroup
		got := make([]string, 10)
		for i := range got {
			wg.Go(func() {
				got[i], _ = calls.Call("echo", strconv.Itoa(i))
			})
		}
		wg.Wait()
		for i, g := range got {
			assert.Equal(t, "echo:"+strconv.Itoa(i), g)
		}
		mine.Close()
		<-readDone
		theirs.Close()
		<-done
	})

	t.Run("a lost stream fails the call waiting and every later one", func(t *testing.T) {
		mine, theirs := net.Pipe()
		calls := frame.NewCalls(frame.NewWriter(mine))
		readDone := make(chan struct{})
		go func() { defer close(readDone); reading(frame.NewReader(mine, 256), calls) }()
		// The other side reads the call, and dies without an answer.
		called := make(chan bool)
		go func() {
			_, ok := calls.Call("open", "")
			called <- ok
		}()
		_, err := frame.NewReader(theirs, 256).Read()
		require.NoError(t, err)
		theirs.Close()
		assert.False(t, <-called, "the call waiting when the stream was lost")
		<-readDone
		_, ok := calls.Call("open", "")
		assert.False(t, ok, "a call after the stream was lost")
		mine.Close()
	})

	t.Run("an answer nobody waits for is reported", func(t *testing.T) {
		var calls frame.Calls
		assert.False(t, calls.Answer(42, "ok"))
	})
}
