//go:build linux

package eventloop_test

import (
	"bytes"
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/eventloop"
	"github.com/netlab-go/netlab/netlabtest"
)

// A session that panics loses its own connection, is counted, still gets
// Closed (if it was opened), and the other sessions on the loop never notice.
func TestPanicsAreRecoveredPerSession(t *testing.T) {
	tests := []struct {
		name    string
		arm     func(svc *netlabtest.Probe, opened *atomic.Int64)
		provoke func(c *net.TCPConn)
		want    string // what Closed is told; "-" if it must not be called
	}{
		{"in Open", func(svc *netlabtest.Probe, opened *atomic.Int64) {
			svc.OnOpen = func(netlab.Conn) {
				if opened.Add(1) == 2 { // the bystander is the first
					panic("open")
				}
			}
		}, func(*net.TCPConn) {}, "-"},
		{"in Data", func(svc *netlabtest.Probe, _ *atomic.Int64) {
			svc.OnData = func(c netlab.Conn, p []byte) {
				if bytes.HasPrefix(p, []byte("panic")) {
					panic("data")
				}
				c.Send(p)
			}
		}, func(c *net.TCPConn) { c.Write([]byte("panic\n")) }, "session panicked: data"},
		{"in EOF", func(svc *netlabtest.Probe, _ *atomic.Int64) {
			svc.OnEOF = func(netlab.Conn) { panic("eof") }
		}, func(c *net.TCPConn) { c.CloseWrite() }, "session panicked: eof"},
		{"in Closed", func(svc *netlabtest.Probe, _ *atomic.Int64) {
			inner := svc.OnClosed
			svc.OnClosed = func(c netlab.Conn, err error) {
				inner(c, err)
				panic("closed")
			}
		}, func(c *net.TCPConn) { c.CloseWrite() }, "<nil>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			onClose, closed := netlabtest.Closes()
			svc := &netlabtest.Probe{OnClosed: onClose}
			var opened atomic.Int64
			tt.arm(svc, &opened)
			srv, addr := start(t, svc, netlab.Config{}, eventloop.Options{Loops: 1}, nil)

			bystander := netlabtest.Dial(t, addr)
			netlabtest.RoundTrip(t, bystander, "before\n")
			victim := netlabtest.Dial(t, addr)
			tt.provoke(victim)
			netlabtest.WaitClosed(t, victim)
			if tt.want != "-" {
				err := netlabtest.Await(t, closed, "Closed")
				assert.True(t, strings.HasSuffix(fmt.Sprint(err), tt.want), "Closed(%v), want %s", err, tt.want)
			}
			// The loop serves the bystander only after it is done
			// with the victim, so the counters are settled by now.
			netlabtest.RoundTrip(t, bystander, "after\n")
			if tt.want == "-" {
				assert.Empty(t, closed, "Closed was called for a session that never opened")
			}
			assert.EqualValues(t, 1, srv.Stats().Panics, "Stats.Panics")
		})
	}
}
