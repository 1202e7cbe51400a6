package main

import (
	"bytes"
	"io"
	"net"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netlab-go/netlab/netlabtest"
)

func TestLoadDrivesAnyEchoServerAndPrintsASummary(t *testing.T) {
	t.Run("an outside echo server, N clients × M requests of the course's lines", func(t *testing.T) {
		addr := netlabtest.StartBare(t, func(c net.Conn) { io.Copy(c, c) })
		var stdout, stderr bytes.Buffer
		err := run(t.Context(), []string{"load", "-addr", addr, "-clients", "3", "-requests", "50", "-lines"}, nil, &stdout, &stderr)
		require.NoError(t, err, "load: %s", stderr.String())
		out := stdout.String()
		assert.Contains(t, out, "netlab load: echo at "+addr+", 3 clients, 50 requests each, closed loop")
		assert.Contains(t, out, "Requests:     150 answered, 0 errors")
		assert.Contains(t, out, "Clients:      3 of 3 got a reply")
		assert.Regexp(t, `Throughput:\s+\d+ req/s`, out)
		for _, p := range []string{"p50", "p90", "p99", "p99.9", "max", "Latency histogram:"} {
			assert.Contains(t, out, p)
		}
		assert.Empty(t, stderr.String(), "a progress line on a pipe")
	})

	t.Run("a netlab serve child, open loop at a fixed rate", func(t *testing.T) {
		p := startServe(t, "-model", "eventloop", "-service", "echo", "-addr", "127.0.0.1:0")
		var stdout, stderr bytes.Buffer
		err := run(t.Context(), []string{"load", "-addr", p.addr, "-clients", "2", "-duration", "300ms", "-rate", "200"}, nil, &stdout, &stderr)
		require.NoError(t, err, "load: %s", stderr.String())
		out := stdout.String()
		assert.Contains(t, out, "open loop at 200 requests/s in all")
		assert.Regexp(t, `Requests:\s+\d+ answered, 0 errors`, out)
		assert.Contains(t, out, "Latency percentiles:")
	})

	t.Run("bad command lines are refused before connecting", func(t *testing.T) {
		for _, tt := range []struct {
			args []string
			want string
		}{
			{[]string{}, "-addr is required"},
			{[]string{"-addr", "127.0.0.1:1", "-clients", "0"}, "0 clients"},
			{[]string{"-addr", "127.0.0.1:1", "-rate", "-5"}, "must not be negative"},
			{[]string{"-addr", "127.0.0.1:1", "-service", "chat", "-rate", "10"}, "closed-loop only"},
			{[]string{"-addr", "127.0.0.1:1", "-service", "web"}, `unknown service "web"`},
			{[]string{"-addr", "127.0.0.1:1", "extra"}, `unexpected argument "extra"`},
		} {
			var stdout, stderr bytes.Buffer
			err := run(t.Context(), append([]string{"load"}, tt.args...), nil, &stdout, &stderr)
			assert.ErrorContains(t, err, tt.want, "netlab load %v", tt.args)
		}
	})

	t.Run("no server is an error that names the address", func(t *testing.T) {
		var stdout, stderr bytes.Buffer
		err := run(t.Context(), []string{"load", "-addr", "127.0.0.1:1", "-clients", "1", "-requests", "1", "-connect-timeout", "1s"}, nil, &stdout, &stderr)
		assert.ErrorContains(t, err, "127.0.0.1:1")
	})
}
