package echo_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/echo"
	"github.com/netlab-go/netlab/internal/conformance"
	"github.com/netlab-go/netlab/perconn"
)

// model is the server the client tests talk to: perconn, the plainest.
var model = conformance.Model{
	Name: "perconn",
	New: func(svc netlab.Service, cfg netlab.Config) (netlab.Server, error) {
		return perconn.New(svc, cfg), nil
	},
}

// dial starts an echo server and returns a client connected to it. Both go
// away when the test ends.
func dial(t *testing.T) *echo.Client {
	t.Helper()
	addr, _ := conformance.Start(t, model, echo.New(), netlab.Config{})
	c, err := echo.Dial(t.Context(), addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func randomBytes(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 0x6563686f))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
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
			msg := randomBytes(tc.size, uint64(tc.size))
			got, err := c.Echo(msg)
			if err != nil {
				t.Fatalf("Echo: %v", err)
			}
			if !bytes.Equal(got, msg) {
				t.Fatalf("got %d bytes back, want the %d sent", len(got), len(msg))
			}
			// The stream is still in step: the next exchange gets its own
			// bytes, not leftovers of this one.
			if got, err := c.Echo([]byte("next\n")); err != nil || string(got) != "next\n" {
				t.Fatalf("the next Echo: %q (%v)", got, err)
			}
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
		t.Error(err)
	}
}

func TestCloseWriteThenReadAll(t *testing.T) {
	t.Run("returns what the server still owed, then the end of the stream", func(t *testing.T) {
		c := dial(t)
		msg := randomBytes(256<<10, 1)
		wrote := make(chan error, 1)
		go func() {
			_, err := c.Conn().Write(msg)
			if err == nil {
				err = c.CloseWrite()
			}
			wrote <- err
		}()
		got, err := c.ReadAll()
		if err != nil {
			t.Fatalf("ReadAll: %v", err)
		}
		if err := <-wrote; err != nil {
			t.Fatalf("write and CloseWrite: %v", err)
		}
		if !bytes.Equal(got, msg) {
			t.Fatalf("ReadAll returned %d bytes, want the %d written", len(got), len(msg))
		}
	})

	t.Run("returns nothing after the echoes were all read", func(t *testing.T) {
		c := dial(t)
		if _, err := c.Echo([]byte("all of it")); err != nil {
			t.Fatal(err)
		}
		if err := c.CloseWrite(); err != nil {
			t.Fatal(err)
		}
		if got, err := c.ReadAll(); err != nil || len(got) > 0 {
			t.Fatalf("ReadAll = %q, %v; want nothing and no error", got, err)
		}
	})

	t.Run("CloseWrite says so on a connection that cannot half-close", func(t *testing.T) {
		a, b := net.Pipe()
		defer b.Close()
		c := echo.NewClient(a)
		defer c.Close()
		if err := c.CloseWrite(); err == nil || !strings.Contains(err.Error(), "half-close") {
			t.Fatalf("CloseWrite on a pipe: %v, want an error saying it cannot half-close", err)
		}
	})
}

func TestDialErrors(t *testing.T) {
	t.Run("name the address and the cause when nothing listens", func(t *testing.T) {
		// A port that was just free: listen on it, then close it.
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()

		c, err := echo.Dial(t.Context(), addr)
		if err == nil {
			c.Close()
			t.Fatalf("Dial %s succeeded with nothing listening", addr)
		}
		if !errors.Is(err, syscall.ECONNREFUSED) {
			t.Errorf("Dial: %v, want it to wrap ECONNREFUSED", err)
		}
		for _, want := range []string{"echo: dial", addr, "connection refused"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("Dial error %q does not mention %q", err, want)
			}
		}
	})

	t.Run("return the context's error when it is already done", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		if c, err := echo.Dial(ctx, "127.0.0.1:7"); !errors.Is(err, context.Canceled) {
			if c != nil {
				c.Close()
			}
			t.Fatalf("Dial with a cancelled context: %v, want context.Canceled", err)
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
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Echo = %q, %v; want an error mentioning %q", got, err, tc.want)
			}
			if got != nil {
				t.Errorf("Echo returned %q along with its error, want nil", got)
			}
		})
	}
}
