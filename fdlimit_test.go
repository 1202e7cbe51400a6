//go:build linux

package netlab_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netlab-go/netlab/internal/models"
	"github.com/netlab-go/netlab/netlabtest"
)

// fdLimit is the soft RLIMIT_NOFILE of the server process in
// TestFDLimit: enough for the runtime, the listener and a handful of
// clients, few enough that fdOverLimit clients cannot all be accepted.
const (
	fdLimit     = 32
	fdOverLimit = fdLimit + 24
)

// TestFDLimit holds every model to docs/protocols.md: "At its
// file-descriptor limit a server keeps running: it backs off accepting,
// logs once per burst, and serves the clients waiting in the listen backlog
// as soon as descriptors free up." The server runs chat in a process of its
// own whose descriptor limit is fdLimit; more clients than that connect,
// most of them leave, and each one kept must then be welcomed or told
// "! server busy" — never closed without a word.
func TestFDLimit(t *testing.T) {
	for _, m := range models.All {
		t.Run(m.Name, func(t *testing.T) {
			t.Run("every client kept past the descriptor limit is served or told busy", func(t *testing.T) {
				p := startServerProc(t, m.Name, fdLimit, t.TempDir(), "chat")
				addr := p.Addr("chat")
				_, err := joinOrBusy(netlabtest.Dial(t, addr))
				require.NoError(t, err, "a warm-up client")
				base := p.Baseline()

				clients := make([]*net.TCPConn, fdOverLimit)
				for i := range clients {
					clients[i] = netlabtest.Dial(t, addr) // the kernel completes the handshake; the backlog holds it
				}
				if !m.Serial(models.Flags{}) {
					// A server that runs clients at once takes them until
					// it has no descriptor left, and says so.
					netlabtest.Await(t, p.EMFILE(), "the server to log that it ran out of descriptors")
				}
				saturated := p.FDs()

				// Free most: keep the first few (served before the limit)
				// and the last few (still in the backlog).
				const keep = 4
				for _, c := range clients[keep : len(clients)-keep] {
					c.Close()
				}
				kept := append(clients[:keep:keep], clients[len(clients)-keep:]...)
				served, busy := 0, 0
				for i, c := range kept {
					first, err := joinOrBusy(c)
					require.NoError(t, err, "kept client %d of %d: silently closed", i+1, len(kept))
					if first == "! server busy" {
						busy++
						continue
					}
					served++
				}
				t.Logf("%s: descriptors %d at start, %d at the limit of %d; of %d clients kept, %d served, %d told busy; %d log lines said EMFILE",
					m.Name, base.FDs, saturated, fdLimit, len(kept), served, busy, p.EMFILEs())
				assert.Equal(t, len(kept), served+busy)

				// Recovered: a new client is welcomed, and the descriptors
				// the clients held are given back. A pool keeps the
				// workers it started (pool's doc), up to m.Limit.
				line, err := joinOrBusy(netlabtest.Dial(t, addr))
				require.NoError(t, err)
				assert.True(t, strings.HasPrefix(line, "* welcome "), "a new client after the burst: %q", line)
				p.AtRest(base, parked(m, 1))
			})
		})
	}
}

// joinOrBusy reads a chat client's first line. A welcomed client then
// leaves with /quit and must get "* bye"; a busy one must be closed after
// its line. It returns the first line, or an error if the server closed
// the connection without one of those answers.
func joinOrBusy(c *net.TCPConn) (string, error) {
	defer c.Close()
	r := bufio.NewReader(c)
	first, err := r.ReadString('\n')
	if err != nil {
		return "", fmt.Errorf("no first line (got %q): %w", first, err)
	}
	first = strings.TrimSuffix(first, "\n")
	switch {
	case first == "! server busy":
	case strings.HasPrefix(first, "* welcome "):
		if _, err := io.WriteString(c, "/quit\n"); err != nil {
			return first, fmt.Errorf("/quit: %w", err)
		}
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return first, fmt.Errorf("waiting for * bye: %w", err)
			}
			if line == "* bye\n" {
				break
			}
		}
	default:
		return first, fmt.Errorf("first line %q is neither a welcome nor busy", first)
	}
	c.SetReadDeadline(time.Now().Add(netlabtest.Timeout))
	rest, err := io.ReadAll(r)
	if err != nil && !errors.Is(err, net.ErrClosed) && !netlabtest.IsReset(err) {
		return first, fmt.Errorf("waiting for the close: %w", err)
	}
	if first == "! server busy" && len(rest) > 0 {
		return first, fmt.Errorf("after the busy line: %q", rest)
	}
	return first, nil
}
