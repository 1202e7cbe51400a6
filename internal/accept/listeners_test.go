package accept_test

import (
	"net"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/internal/accept"
)

// closer counts how often it was closed.
type closer struct{ closes atomic.Int32 }

func (c *closer) Close() error { c.closes.Add(1); return nil }

func TestListeners(t *testing.T) {
	t.Run("Close closes every listener added and only once each", func(t *testing.T) {
		var ls accept.Listeners
		a, b := &closer{}, &closer{}
		require.NoError(t, ls.Add(a))
		require.NoError(t, ls.Add(b))
		assert.False(t, ls.Closing())

		ls.Close()
		ls.Close()
		assert.True(t, ls.Closing())
		assert.EqualValues(t, 1, a.closes.Load())
		assert.EqualValues(t, 1, b.closes.Load())
	})

	t.Run("a listener added after Close is closed and refused", func(t *testing.T) {
		var ls accept.Listeners
		ls.Close()
		l := &closer{}
		assert.ErrorIs(t, ls.Add(l), netlab.ErrServerClosed)
		assert.EqualValues(t, 1, l.closes.Load())
	})

	t.Run("Remove closes a listener and Close leaves it alone", func(t *testing.T) {
		var ls accept.Listeners
		l := &closer{}
		require.NoError(t, ls.Add(l))
		ls.Remove(l)
		assert.EqualValues(t, 1, l.closes.Load())
		ls.Close()
		assert.EqualValues(t, 1, l.closes.Load())
	})

	t.Run("Done is closed by Close and not before", func(t *testing.T) {
		var ls accept.Listeners
		done := ls.Done()
		select {
		case <-done:
			t.Fatal("Done is closed before Close")
		default:
		}
		ls.Close()
		select {
		case <-done:
		default:
			t.Fatal("Done is still open after Close")
		}
		assert.Equal(t, done, ls.Done(), "Done returns the same channel every time")
	})

	t.Run("Close wakes an accept loop blocked on a real listener", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		var ls accept.Listeners
		require.NoError(t, ls.Add(l))
		errc := make(chan error, 1)
		go func() {
			defer ls.Remove(l)
			_, err := accept.Next(&ls, discard(), "test", l.Accept)
			errc <- err
		}()
		ls.Close()
		assert.Equal(t, netlab.ErrServerClosed, <-errc)
	})
}
