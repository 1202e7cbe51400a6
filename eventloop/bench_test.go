//go:build linux

package eventloop_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/echo"
	"github.com/netlab-go/netlab/eventloop"
	"github.com/netlab-go/netlab/internal/benchref"
	"github.com/netlab-go/netlab/internal/workload"
	"github.com/netlab-go/netlab/netlabtest"
	"github.com/netlab-go/netlab/perconn"
)

// BenchmarkEchoThroughput measures what serving a request costs each
// engine: conns clients each doing 64-byte echo round trips
// (a workload.EchoFleet, connected once), one round of 20 per
// client per iteration, against
//
//   - model=c-epoll: the floor, a bare single-threaded epoll echo server in C
//     (internal/benchref), one epoll_wait per batch and one read(2) and one
//     write(2) per request; skipped where there is no C compiler;
//   - model=net: the standard library's minimum, a goroutine per connection
//     reading and writing through the runtime's netpoller;
//   - model=perconn and model=eventloop, serving the echo service with their
//     defaults; model=eventloop-percore, the event loop with one loop per
//     processor (Options.Loops = GOMAXPROCS), which the default avoids (see
//     Options.Loops); and, where the default is more than one loop,
//     model=eventloop-1loop, like for like with the C server's one thread.
//
// Each server runs in a process of its own, so that its CPU time is its
// own: getrusage in the server process before and after each round gives
// server-µs/req (and server-sys-µs/req, the kernel's share), the figure to
// trust on a busy machine; req/s is wall-clock and, with the clients on the
// same cores, bounded by the load generator. p99-µs is the median over
// rounds of each round's 99th percentile.
//
// One line per model and connection count, ready for benchstat. -count
// would repeat each line back to back; to alternate the servers, so that
// none always runs on a machine another has just warmed, run the binary in
// a loop:
//
//	go test -c -o el.test ./eventloop/ && cd eventloop
//	for i in 1 2 3 4 5 6; do ../el.test -test.run '^$' -test.bench EchoThroughput -test.benchtime 20x; done | tee new.txt
//	benchstat -col /model new.txt
func BenchmarkEchoThroughput(b *testing.B) {
	ref, refErr := benchref.BuildEcho(b.TempDir())
	type server struct{ name, model, loops string }
	servers := []server{
		{"c-epoll", "c-epoll", ""}, {"net", "net", "0"}, {"perconn", "perconn", "0"}, {"eventloop", "eventloop", "0"},
		{"eventloop-percore", "eventloop", strconv.Itoa(runtime.GOMAXPROCS(0))},
	}
	if eventloop.DefaultLoops() > 1 {
		servers = append(servers, server{"eventloop-1loop", "eventloop", "1"})
	}
	for _, conns := range []int{50, 1000} {
		for _, server := range servers {
			model := server.model
			b.Run(fmt.Sprintf("conns=%d/model=%s", conns, server.name), func(b *testing.B) {
				if model == "c-epoll" && refErr != nil {
					b.Skip(refErr)
				}
				// Cancelled by a cleanup, so after the helper's own
				// cleanup has stopped it: CommandContext kills a helper
				// whose context ends.
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
				b.Cleanup(cancel)
				m := &benchModel{name: model}
				if model == "c-epoll" {
					m.server = netlabtest.StartHelper(b, exec.CommandContext(ctx, ref))
				} else {
					m.server = startHelper(ctx, b, "server", model, server.loops)
				}
				addr := m.server.Ask(b, "", "listening")[1]
				fleet, err := workload.EchoFleet(ctx, addr, conns, 64)
				require.NoError(b, err)
				b.Cleanup(fleet.Close)
				m.fleet = fleet
				m.round(ctx, b, int64(5*conns)) // warm up: connections open, buffers grown
				*m = benchModel{name: m.name, server: m.server, fleet: m.fleet}
				for b.Loop() {
					m.round(ctx, b, int64(20*conns))
				}
				b.ReportMetric(m.reqPerSec(), "req/s")
				b.ReportMetric(m.p99(), "p99-µs")
				b.ReportMetric(m.serverCPU(), "server-µs/req")
				b.ReportMetric(m.perReq(m.serverSys), "server-sys-µs/req")
				b.ReportMetric(m.perReq(m.clientCPU), "client-µs/req")
			})
		}
	}
}

// A benchModel accumulates one model's rounds.
type benchModel struct {
	name   string
	server *netlabtest.Helper
	fleet  *workload.Fleet

	ops        int64
	elapsed    time.Duration
	p99s       []time.Duration
	serverUser int64 // server CPU time in user space, µs
	serverSys  int64 // server CPU time in the kernel, µs
	clientCPU  int64 // client (this process) CPU time, user and kernel, µs
}

func (m *benchModel) round(ctx context.Context, b *testing.B, ops int64) {
	su0, ss0 := m.serverCPUTime(b)
	cu0, cs0 := cpuTime()
	res, err := m.fleet.Run(ctx, ops)
	cu1, cs1 := cpuTime()
	su1, ss1 := m.serverCPUTime(b)
	require.NoError(b, err, "%s", m.name)
	m.ops += res.Ops
	m.elapsed += res.Elapsed
	m.p99s = append(m.p99s, res.Percentile(99))
	m.serverUser += su1 - su0
	m.serverSys += ss1 - ss0
	m.clientCPU += cu1 - cu0 + cs1 - cs0
}

func (m *benchModel) serverCPUTime(b *testing.B) (user, sys int64) {
	f := m.server.Ask(b, "cpu", "cpu")
	user, err1 := strconv.ParseInt(f[1], 10, 64)
	sys, err2 := strconv.ParseInt(f[2], 10, 64)
	if err1 != nil || err2 != nil {
		b.Fatalf("helper: bad cpu line %q", f)
	}
	return user, sys
}

func (m *benchModel) reqPerSec() float64 { return float64(m.ops) / m.elapsed.Seconds() }

func (m *benchModel) p99() float64 {
	slices.Sort(m.p99s)
	return float64(m.p99s[len(m.p99s)/2].Microseconds())
}

func (m *benchModel) perReq(us int64) float64 { return float64(us) / float64(m.ops) }

func (m *benchModel) serverCPU() float64 { return m.perReq(m.serverUser + m.serverSys) }

// BenchmarkIdleConnections holds n idle echo connections on one server in
// this process, with the clients in a helper process, and reports what each
// costs the server: Go heap and stack in use (as the root
// BenchmarkIdleConnMemory measures it) and resident memory, per connection,
// after a garbage collection. Each connection has echoed one byte first, so
// its session is open and its buffers have been used and given back. It
// also reports the growth of the kernel's slab per socket, the cost that
// no user-space design avoids.
//
// One operation is a sweep: one byte echoed on every connection, which
// shows how long a loop takes to get round n clients.
//
// 19,000 connections need 19,000 descriptors in this process (the hard
// limit here is 20,000) and as many in the helper, on more source addresses
// than one (see holdClients). Skipped with -short.
//
//	go test -run '^$' -bench IdleConnections -benchtime 5x ./eventloop/
func BenchmarkIdleConnections(b *testing.B) {
	if testing.Short() {
		b.Skip("opens 10,000 and 19,000 connections")
	}
	for _, c := range []struct {
		model string
		n     int
	}{{"eventloop", 10_000}, {"eventloop", 19_000}, {"perconn", 10_000}} {
		b.Run(fmt.Sprintf("model=%s/conns=%d", c.model, c.n), func(b *testing.B) {
			benchIdle(b, c.model, c.n)
		})
	}
}

func benchIdle(b *testing.B, model string, n int) {
	limit, err := raiseFDLimit()
	require.NoError(b, err)
	if limit < uint64(n)+100 {
		b.Skipf("%d connections need more descriptors than the limit of %d", n, limit)
	}
	ctx, cancel := context.WithTimeout(b.Context(), 5*time.Minute)
	defer cancel()

	cfg := netlab.Config{MaxConns: n + 100}
	var srv netlab.Server
	if model == "eventloop" {
		s, err := eventloop.New(echo.New(), cfg, eventloop.Options{})
		require.NoError(b, err)
		srv = s
	} else {
		srv = perconn.New(echo.New(), cfg)
	}
	addr, served := serve(b, srv)
	defer func() {
		assert.NoError(b, srv.Shutdown(ctx), "shutdown")
		<-served
	}()

	heap0, rss0 := memInUse(b)
	slab0 := slab(b)
	clients := startHelper(ctx, b, "clients", addr, strconv.Itoa(n), "5000")
	clients.Ask(b, "", "ready")
	heap1, rss1 := memInUse(b)
	slab1 := slab(b)
	if active := srv.(netlab.StatsReporter).Stats().Active; active != int64(n) {
		b.Fatalf("%d connections active, want %d", active, n)
	}

	for b.Loop() {
		clients.Ask(b, "ping", "pong")
	}
	b.ReportMetric(float64(n), "conns")
	b.ReportMetric(float64(heap1-heap0)/float64(n), "B/conn")
	b.ReportMetric(float64(rss1-rss0)/float64(n), "rss-B/conn")
	// Both ends of every connection are sockets in this one kernel.
	b.ReportMetric(float64(slab1-slab0)/float64(2*n), "kernel-slab-B/socket")
	require.NoError(b, clients.Stop())
}

// slab returns the kernel's slab allocations (/proc/meminfo's Slab), in
// bytes: where socket structures live. It is machine-wide, so only a rough
// measure of what sockets cost the kernel.
func slab(b *testing.B) int64 {
	meminfo, err := os.ReadFile("/proc/meminfo")
	require.NoError(b, err)
	for line := range strings.Lines(string(meminfo)) {
		if f := strings.Fields(line); len(f) == 3 && f[0] == "Slab:" {
			kb, err := strconv.ParseInt(f[1], 10, 64)
			require.NoError(b, err)
			return kb << 10
		}
	}
	b.Fatal("no Slab line in /proc/meminfo")
	return 0
}

// memInUse returns the bytes of Go heap and goroutine stack in use after a
// collection, and the process's resident set size. Two collections: the
// first moves sync.Pool contents to the pools' victim caches, the second
// frees them.
func memInUse(b *testing.B) (heap, rss int64) {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	statm, err := os.ReadFile("/proc/self/statm")
	require.NoError(b, err)
	f := strings.Fields(string(statm))
	pages, err := strconv.ParseInt(f[1], 10, 64)
	require.NoError(b, err)
	return int64(ms.HeapInuse + ms.StackInuse), pages * int64(os.Getpagesize())
}
