//go:build linux

package eventloop_test

import (
	"bytes"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/eventloop"
	"github.com/netlab-go/netlab/netlabtest"
)

// File regions are sent with sendfile(2), in order with the bytes around
// them, count FileRegionCost rather than their length against MaxPending,
// and are closed by the Conn once sent.
func TestSendFile(t *testing.T) {
	content := make([]byte, 8<<20)
	fill(rand.New(rand.NewPCG(3, 4)), content)
	path := filepath.Join(t.TempDir(), "blob")
	require.NoError(t, os.WriteFile(path, content, 0o600))
	const off = 1000
	n := int64(len(content) - 2*off)
	sent := make(chan *os.File, 1)
	svc := &netlabtest.Probe{OnData: func(c netlab.Conn, p []byte) {
		f, err := os.Open(path)
		if err != nil {
			panic(err)
		}
		c.Send([]byte("BEGIN\n"))
		if err := c.SendFile(f, off, n); err != nil {
			panic(err)
		}
		c.Send([]byte("\nEND\n"))
		c.Close()
		sent <- f
	}}
	_, addr := start(t, svc, netlab.Config{MaxPending: 4096}, eventloop.Options{Loops: 1}, nil)
	c := netlabtest.Dial(t, addr)
	c.Write([]byte("GET\n"))
	got, err := io.ReadAll(c)
	require.NoError(t, err, "read")
	want := slices.Concat([]byte("BEGIN\n"), content[off:off+n], []byte("\nEND\n"))
	netlabtest.SameBytes(t, "the file region between the lines", got, want)
	f := netlabtest.Await(t, sent, "the session to send the file")
	require.ErrorIs(t, f.Close(), os.ErrClosed, "the Conn must close the file once it is sent")
}

func TestSendFileOnAClosedConnClosesTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	os.WriteFile(path, []byte("x"), 0o600)
	results := make(chan error, 2)
	svc := &netlabtest.Probe{OnData: func(c netlab.Conn, p []byte) {
		c.Close()
		f, _ := os.Open(path)
		results <- c.SendFile(f, 0, 1)
		results <- f.Close()
	}}
	_, addr := start(t, svc, netlab.Config{}, eventloop.Options{Loops: 1}, nil)
	c := netlabtest.Dial(t, addr)
	c.Write([]byte("x"))
	assert.ErrorIs(t, netlabtest.Await(t, results, "SendFile"), netlab.ErrConnClosed, "SendFile after Close")
	assert.ErrorIs(t, netlabtest.Await(t, results, "Close"), os.ErrClosed, "the file must be closed already")
	netlabtest.WaitClosed(t, c)
}

// Send beyond MaxPending drops that client alone, counted in Stats.Dropped,
// and its session is told ErrOverflow.
func TestOverflowDropsOnlyTheSlowClient(t *testing.T) {
	onOpen, conns := netlabtest.Opens()
	onClose, closed := netlabtest.Closes()
	svc := &netlabtest.Probe{OnOpen: onOpen, OnClosed: onClose}
	srv, addr := start(t, svc, netlab.Config{MaxPending: 16 << 10}, eventloop.Options{Loops: 1}, nil)
	slow := netlabtest.Dial(t, addr)
	sc := netlabtest.Await(t, conns, "the slow client's session")
	other := netlabtest.Dial(t, addr)
	netlabtest.Await(t, conns, "the other client's session")

	chunk := bytes.Repeat([]byte("x"), 4<<10)
	var err error
	for range 100_000 { // far more than any socket buffer holds
		if err = sc.Send(chunk); err != nil {
			break
		}
	}
	require.ErrorIs(t, err, netlab.ErrOverflow, "Send to a client that never reads")
	assert.ErrorIs(t, sc.Send(chunk), netlab.ErrConnClosed, "Send after the drop")
	assert.ErrorIs(t, netlabtest.Await(t, closed, "Closed"), netlab.ErrOverflow, "Closed")
	netlabtest.WaitClosed(t, slow)
	netlabtest.RoundTrip(t, other, "unaffected\n")
	assert.EqualValues(t, 1, srv.Stats().Dropped, "Stats.Dropped")
}
