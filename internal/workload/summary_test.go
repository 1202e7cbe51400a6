package workload_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netlab-go/netlab/internal/workload"
)

func TestWriteSummary(t *testing.T) {
	t.Run("a serial model's summary says who waited and for how long", func(t *testing.T) {
		rep := &workload.Report{
			Spec:        workload.Spec{Service: workload.ServiceEcho, Clients: 3},
			Connected:   3,
			ConnectTime: 2 * time.Millisecond,
			Window:      2 * time.Second,
			Requests:    4000,
			Bytes:       4000 * 64,
			Unanswered:  2,
			LongestWait: 2 * time.Second,
			PerClient:   []workload.ClientStats{{Connected: true, Requests: 4000}, {Connected: true}, {Connected: true}},
		}
		for range 4000 {
			rep.Latency.Record(500 * time.Microsecond)
		}
		var b strings.Builder
		require.NoError(t, rep.WriteSummary(&b))
		out := b.String()
		for _, want := range []string{
			"Summary (echo, 3 clients):",
			"Window:       2s (3 of 3 clients connected in 2ms before it opened)",
			"Requests:     4000 answered, 0 errors",
			"Unanswered:   2 still waiting when the window closed, the longest for 2s",
			"Throughput:   2000 req/s, 0.13 MB/s of payload",
			"Clients:      1 of 3 got a reply; 2 got none",
			"p99    500µs",
		} {
			assert.Contains(t, out, want)
		}
	})

	t.Run("a failure is quoted", func(t *testing.T) {
		rep := &workload.Report{
			Spec:      workload.Spec{Service: workload.ServiceChat, Clients: 2},
			Window:    time.Second,
			PerClient: []workload.ClientStats{{}, {Connected: true, Errors: 1, Err: errors.New("connection reset")}},
		}
		var b strings.Builder
		require.NoError(t, rep.WriteSummary(&b))
		assert.Contains(t, b.String(), "First error:  client 1: connection reset")
		assert.Contains(t, b.String(), "0 deliveries/s")
		assert.Contains(t, b.String(), "Latency: no requests answered")
	})
}
