package echo_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"sync"
	"syscall"
	"testing"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/echo"
	"github.com/netlab-go/netlab/internal/models"
	"github.com/netlab-go/netlab/netlabtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// dial starts an echo server and returns a client connected to it. Both go
// away when the test ends.
func dial(t *testing.T) *echo.Client {
	t.Helper()
	addr, _ := netlabtest.Start(t, models.Reference().With(models.Flags{}), echo.New(), netlab.Config{})
	c, err := echo.Dial(t.Context(), addr)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c
}

func TestEcho(t *testing.T) {
	cases := []struct {
		name string
		size int
	}{
		{"an empty message", 0},
		{"one byte", 1},
		{"64 KiB and a byte, written beside the read", 64<<10 + 1},
		{"a mebibyte, far more than the sockets hold", 1 << 20},
	}
	for _, tc := range cases {
		t.Run(tc.name+" comes back whole", func(t *testing.T) {
			c := dial(t)
			msg := netlabtest.Pattern(tc.size, uint64(tc.size))
			got, err := c.Echo(msg)
			require.NoError(t, err)
			netlabtest.SameBytes(t, "the echo", got, msg)
			// The stream is still in step: the next exchange gets its own
			// bytes, not leftovers of this one.
			got, err = c.Echo([]byte("next\n"))
			require.NoError(t, err)
			assert.Equal(t, "next\n", string(got), "the next Echo")
		})
	}
}

// Eight goroutines share one Client. Echo takes turns, so each exchange is
// whole on the wire and each caller gets exactly its own bytes back, sizes
// on both sides of the client's inline-write limit included.
func TestConcurrentEchoCallsEachGetTheirOwnBytes(t *testing.T) {
	const (
		callers = 8
		rounds  = 20
	)
	c := dial(t)
	var wg sync.WaitGroup
	errs := make(chan error, callers)
	for i := range callers {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(i), 8))
			for round := range rounds {
				size := 1 + r.IntN(1<<10)
				if round%5 == 4 {
					size = 40<<10 + r.IntN(40<<10)
				}
				msg := bytes.Repeat([]byte{byte('a' + i)}, size)
				got, err := c.Echo(msg)
				if err != nil {
					errs <- fmt.Errorf("caller %d, round %d: %w", i, round, err)
					return
				}
				if !bytes.Equal(got, msg) {
					errs <- fmt.Errorf("caller %d, round %d: got %d bytes of someone else's", i, round, len(got))
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		assert.NoError(t, err)
	}
}

func TestCloseWriteThenReadAll(t *testing.T) {
	t.Run("returns what the server still owed, then the end of the stream", func(t *testing.T) {
		c := dial(t)
		msg := netlabtest.Pattern(256<<10, 1)
		wrote := make(chan error, 1)
		go func() {
			_, err := c.Conn().Write(msg)
			if err == nil {
				err = c.CloseWrite()
			}
			wrote <- err
		}()
		got, err := c.ReadAll()
		require.NoError(t, err)
		require.NoError(t, <-wrote, "write and CloseWrite")
		netlabtest.SameBytes(t, "what ReadAll returned", got, msg)
	})

	t.Run("returns nothing after the echoes were all read", func(t *testing.T) {
		c := dial(t)
		_, err := c.Echo([]byte("all of it"))
		require.NoError(t, err)
		require.NoError(t, c.CloseWrite())
		got, err := c.ReadAll()
		require.NoError(t, err)
		assert.Empty(t, got, "what ReadAll returns")
	})

	t.Run("CloseWrite says so on a connection that cannot half-close", func(t *testing.T) {
		a, b := net.Pipe()
		defer b.Close()
		c := echo.NewClient(a)
		defer c.Close()
		assert.ErrorContains(t, c.CloseWrite(), "half-close")
	})
}

func TestDialErrors(t *testing.T) {
	t.Run("name the address and the cause when nothing listens", func(t *testing.T) {
		// A port that was just free: listen on it, then close it.
		l, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		addr := l.Addr().String()
		l.Close()

		c, err := echo.Dial(t.Context(), addr)
		if !assert.Error(t, err, "Dial %s with nothing listening", addr) {
			c.Close()
			return
		}
		assert.ErrorIs(t, err, syscall.ECONNREFUSED)
		for _, want := range []string{"echo: dial", addr, "connection refused"} {
			assert.ErrorContains(t, err, want)
		}
	})

	t.Run("return the context's error when it is already done", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		c, err := echo.Dial(ctx, "127.0.0.1:7")
		if !assert.ErrorIs(t, err, context.Canceled) && c != nil {
			c.Close()
		}
	})
}

// fakeServer serves one connection of a net.Pipe with reply, which maps
// what it read to what it sends back; nil closes the connection instead.
func fakeServer(t *testing.T, reply func([]byte) []byte) *echo.Client {
	t.Helper()
	client, server := net.Pipe()
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer server.Close()
		buf := make([]byte, 64<<10)
		n, err := server.Read(buf)
		if err != nil {
			return
		}
		if out := reply(buf[:n]); out != nil {
			server.Write(out)
		}
	}()
	c := echo.NewClient(client)
	t.Cleanup(func() {
		c.Close()
		<-done
	})
	return c
}

func TestEchoFailsOnAServerThatMisbehaves(t *testing.T) {
	cases := []struct {
		name  string
		reply func([]byte) []byte
		want  string // in the error
	}{
		{"sends back different bytes", bytes.ToUpper, "different bytes"},
		{"closes before answering", func([]byte) []byte { return nil }, "echo: read"},
		{"sends back half and closes", func(p []byte) []byte { return p[:len(p)/2] }, "unexpected EOF"},
	}
	for _, tc := range cases {
		t.Run("when the server "+tc.name, func(t *testing.T) {
			c := fakeServer(t, tc.reply)
			got, err := c.Echo([]byte("hello"))
			assert.ErrorContains(t, err, tc.want)
			assert.Nil(t, got, "what Echo returns along with its error")
		})
	}
}
