package multiprocess_test

import (
	"bufio"
	"fmt"
	"net"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDescriptorLimit runs a files server with a child per connection under
// a descriptor limit far below its clients: the parent needs a few
// descriptors for every child it keeps (its control socket, a pidfd) and a
// few more to start one. Every client must be served or told "ERR busy",
// none closed without a word, and the parent logs the shortage once per
// burst, not once per client.
func TestDescriptorLimit(t *testing.T) {
	t.Run("past its descriptor limit the server answers busy or serves the backlog once descriptors free up", func(t *testing.T) {
		const limit, clients = 40, 80
		h := startHelper(t, t.TempDir(), fmt.Sprintf("%s=%d", envHelperFDs, limit))

		type result struct {
			i      int
			answer string
			err    error
		}
		results := make(chan result, clients)
		conns := make([]net.Conn, clients)
		for i := range conns {
			c := h.dial(t)
			conns[i] = c
			_, err := c.Write([]byte("LIST\n"))
			require.NoError(t, err)
			go func() {
				answer, err := bufio.NewReader(c).ReadString('\n')
				results <- result{i, answer, err}
			}()
		}

		// The clients served first hold their children, and so the
		// parent's descriptors, until the parent has run out; then they
		// leave, and so does every client served later.
		paused := h.Stderr.Seen("pausing accepts")
		var held []net.Conn
		served, busy, servedLater := 0, 0, 0
		for range clients {
			var r result
			select {
			case r = <-results:
			case <-paused:
				for _, c := range held {
					c.Close()
				}
				held, paused = nil, nil
				r = <-results
			}
			switch {
			case r.err != nil:
				assert.Fail(t, "a client was closed without an answer", "client %d: %v", r.i, r.err)
			case r.answer == "OK 0\n":
				served++
				if paused == nil {
					servedLater++
					conns[r.i].Close()
				} else {
					held = append(held, conns[r.i])
				}
			case r.answer == "ERR busy\n":
				busy++
			default:
				assert.Fail(t, "a client got an answer that is neither a listing nor busy", "client %d: %q", r.i, r.answer)
			}
		}
		t.Logf("%d clients served, %d of them answered after the first ones left; %d told busy", served, servedLater, busy)
		// The pause came from a connection the parent could not take; once
		// the first clients left, it must have been served, not dropped.
		// (How many were served in all depends on how the burst raced the
		// parent, not only on the limit.)
		assert.Positive(t, served, "no client was served at all")
		assert.Positive(t, servedLater, "no client was served after the first ones left: the backlog was not served once descriptors freed up")

		// Once per burst: each pause is logged once and followed by its
		// recovery before the next is logged.
		var bursts []string
		for _, line := range h.Stderr.Matching("multiprocess: accept") {
			switch {
			case strings.Contains(line, "pausing accepts"):
				bursts = append(bursts, "pause")
			case strings.Contains(line, "accepting again"):
				bursts = append(bursts, "again")
			}
		}
		require.NotEmpty(t, bursts, "the parent never logged that it ran out of descriptors")
		t.Logf("the parent's accept log: %v", bursts)
		for i, b := range bursts {
			assert.Equal(t, []string{"pause", "again"}[i%2], b, "log line %d of the bursts %v", i, bursts)
		}

		require.NoError(t, syscall.Kill(h.PID(), syscall.SIGTERM))
		assert.NoError(t, h.Wait(t), "the server's exit after SIGTERM")
	})
}
