package conformance

import (
	"bytes"
	"fmt"
	"io"
	"sync"
	"testing"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/echo"
	"github.com/netlab-go/netlab/netlabtest"
)

// Echo holds model m to RFC 862: the golden transcripts in echo/, then byte-at-a-time
// writes, a mebibyte of random binary, fifty clients at once and half-close.
func Echo(t *testing.T, m Model) {
	newEcho := func(testing.TB) netlab.Service { return echo.New() }
	t.Run("transcripts", func(t *testing.T) {
		RunTranscripts(t, m, "echo", newEcho, netlab.Config{})
	})

	t.Run("bytes written one at a time come back in order", func(t *testing.T) {
		addr, _ := Start(t, m, echo.New(), netlab.Config{})
		c := Dial(t, addr)
		c.SetNoDelay(true)
		msg := []byte("one byte at a time, \x00 binary \xff too\n")
		got := make([]byte, 1)
		for i, b := range msg {
			if _, err := c.Write([]byte{b}); err != nil {
				t.Fatalf("write byte %d: %v", i, err)
			}
			if _, err := io.ReadFull(c, got); err != nil || got[0] != b {
				t.Fatalf("byte %d: got %q (%v), want %q", i, got, err, b)
			}
		}
	})

	t.Run("a mebibyte of random binary comes back unchanged", func(t *testing.T) {
		addr, _ := Start(t, m, echo.New(), netlab.Config{})
		c := Dial(t, addr)
		msg := netlabtest.Pattern(1<<20, 1)
		got := exchange(t, c, msg)
		netlabtest.SameBytes(t, "1 MiB of random binary", got, msg)
	})

	t.Run("fifty clients at once each get their own bytes back", func(t *testing.T) {
		addr, _ := Start(t, m, echo.New(), netlab.Config{})
		var wg sync.WaitGroup
		errs := make(chan error, 50)
		for i := range 50 {
			c := Dial(t, addr)
			wg.Go(func() {
				defer c.Close() // iterative serves the next client only once this one leaves
				msg := netlabtest.Pattern(4096+i, uint64(i))
				if _, err := c.Write(msg); err != nil {
					errs <- err
					return
				}
				got := make([]byte, len(msg))
				if _, err := io.ReadFull(c, got); err != nil {
					errs <- fmt.Errorf("client %d: %w", i, err)
					return
				}
				if !bytes.Equal(got, msg) {
					errs <- fmt.Errorf("client %d got someone else's bytes", i)
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
	})

	t.Run("after a half-close the server sends what is pending and closes", func(t *testing.T) {
		addr, _ := Start(t, m, echo.New(), netlab.Config{})
		c := Dial(t, addr)
		msg := netlabtest.Pattern(256<<10, 7)
		var wg sync.WaitGroup
		wg.Go(func() {
			c.Write(msg)
			c.CloseWrite()
		})
		got, err := io.ReadAll(c) // ends only when the server closes
		wg.Wait()
		if err != nil {
			t.Fatalf("read to end: %v", err)
		}
		if !bytes.Equal(got, msg) {
			t.Fatalf("got %d bytes back, want %d identical", len(got), len(msg))
		}
	})
}

// exchange writes msg from a second goroutine while reading len(msg) bytes
// back: a server that stops reading while its replies go unread would
// deadlock with a client that writes everything first.
func exchange(t testing.TB, c io.ReadWriter, msg []byte) []byte {
	t.Helper()
	werr := make(chan error, 1)
	go func() {
		_, err := c.Write(msg)
		werr <- err
	}()
	got := make([]byte, len(msg))
	n, err := io.ReadFull(c, got)
	if err != nil {
		t.Fatalf("read back %d of %d bytes: %v", n, len(msg), err)
	}
	if err := <-werr; err != nil {
		t.Fatalf("write: %v", err)
	}
	return got
}
