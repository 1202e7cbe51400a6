//go:build linux

package eventloop_test

import (
	"io"
	"net"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/echo"
	"github.com/netlab-go/netlab/eventloop"
	"github.com/netlab-go/netlab/netlabtest"
)

func TestServeRejectsAListenerWithoutAnFd(t *testing.T) {
	srv, err := eventloop.New(echo.New(), netlab.Config{}, eventloop.Options{})
	require.NoError(t, err)
	l, err := net.Listen("unix", filepath.Join(t.TempDir(), "sock"))
	require.NoError(t, err)
	err = srv.Serve(l)
	require.Error(t, err, "Serve on a unix listener")
	assert.NotErrorIs(t, err, netlab.ErrServerClosed, "Serve on a unix listener must explain")
	srv.Close()
}

// Beyond MaxConns a client gets the service's busy reply and is closed;
// once a slot frees up, the next client is served.
func TestMaxConnsTurnsAwayTheNextClientBusy(t *testing.T) {
	closed := make(chan error, 1)
	svc := &netlabtest.Probe{Busy: []byte("busy\n"), OnClosed: func(_ netlab.Conn, err error) { closed <- err }}
	srv, addr := start(t, svc, netlab.Config{MaxConns: 1}, eventloop.Options{Loops: 2}, nil)
	a := netlabtest.Dial(t, addr)
	netlabtest.RoundTrip(t, a, "a\n")

	b := netlabtest.Dial(t, addr)
	got, err := io.ReadAll(b)
	require.NoError(t, err, "the client over the limit")
	assert.Equal(t, "busy\n", string(got), "the client over the limit gets the busy reply, then end of stream")
	st := srv.Stats()
	assert.EqualValues(t, 1, st.Accepted, "Stats.Accepted")
	assert.EqualValues(t, 1, st.Refused, "Stats.Refused")
	assert.EqualValues(t, 1, st.Active, "Stats.Active")

	a.Close()
	netlabtest.Await(t, closed, "a's session to close")
	c := netlabtest.Dial(t, addr)
	netlabtest.RoundTrip(t, c, "c\n")
}
