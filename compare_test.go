package netlab_test

import (
	"context"
	"fmt"
	"net"
	"runtime"
	"testing"
	"time"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/echo"
	"github.com/netlab-go/netlab/internal/conformance"
	"github.com/netlab-go/netlab/internal/models"
	"github.com/netlab-go/netlab/internal/workload"
	"github.com/netlab-go/netlab/multiprocess"
	"github.com/netlab-go/netlab/netlabtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// table is the comparison: every model in the table of models, each with
// its flags at their defaults, as the harness sees it. Every test and
// benchmark in this file runs over it.
var table = func() []conformance.Model {
	var ms []conformance.Model
	for _, m := range models.All {
		ms = append(ms, conformance.Of(m, models.Flags{}))
	}
	return ms
}()

// reference is the model the single-model tests and benchmarks run.
var reference = conformance.Of(models.Reference(), models.Flags{})

// oneAtATime is the model that serves one client at a time.
var oneAtATime = conformance.Of(models.OneAtATime(), models.Flags{})

// TestMain is also the multiprocess model's children: the model re-executes
// this test binary for each.
func TestMain(m *testing.M) {
	netlabtest.Main(m, netlabtest.Role{Plays: multiprocess.IsChild, Run: multiprocess.RunChild})
}

// TestEcho holds every model to RFC 862, byte for byte.
func TestEcho(t *testing.T) {
	for _, m := range table {
		t.Run(m.Name, func(t *testing.T) {
			conformance.Echo(t, m)
		})
	}
}

// TestChat holds every model to the chat protocol, byte for byte.
func TestChat(t *testing.T) {
	for _, m := range table {
		t.Run(m.Name, func(t *testing.T) {
			conformance.Chat(t, m)
		})
	}
}

// TestFiles holds every model to the files protocol, byte for byte.
func TestFiles(t *testing.T) {
	for _, m := range table {
		t.Run(m.Name, func(t *testing.T) {
			conformance.Files(t, m)
		})
	}
}

// The characteristic tests show what makes each model what it is. They are
// written against the behaviour a client sees, synchronised on bytes
// arriving, so each one would fail — or hang until its deadline — on a model
// without the property.

func TestIterativeServesASecondClientOnlyAfterTheFirstLeaves(t *testing.T) {
	addr, srv := conformance.Start(t, oneAtATime, echo.New(), netlab.Config{})
	stats := srv.(netlab.StatsReporter)

	first := netlabtest.Dial(t, addr)
	netlabtest.RoundTrip(t, first, "first, hello\n")

	// The second client's connect succeeds — the kernel completes the
	// handshake and queues it in the listen backlog — and it can send.
	second := netlabtest.Dial(t, addr)
	_, err := second.Write([]byte("second, waiting\n"))
	require.NoError(t, err)
	// The first client keeps being served meanwhile. The server has not even
	// accepted the second: its accept loop is inside the first's session.
	netlabtest.RoundTrip(t, first, "first, still here\n")
	require.EqualValues(t, 1, stats.Stats().Accepted, "connections accepted while the first client is connected")

	// The first leaves; only now is the second accepted and answered.
	first.Close()
	netlabtest.Expect(t, second, "second, waiting\n")
	assert.EqualValues(t, 2, stats.Stats().Accepted, "connections accepted")
}

func TestConcurrentModelsServeManyClientsAtOnce(t *testing.T) {
	for _, m := range table {
		if m.Serial {
			continue
		}
		t.Run(m.Name, func(t *testing.T) {
			addr, _ := conformance.Start(t, m, echo.New(), netlab.Config{})
			// Every client stays connected while the next one talks: a model
			// that served one at a time would never answer the second.
			n := 100
			if m.Limit > 0 {
				n = m.Limit // a pool answers exactly as many as it has workers
			}
			var clients []net.Conn
			for i := range n {
				c := netlabtest.Dial(t, addr)
				netlabtest.RoundTrip(t, c, fmt.Sprintf("client %d\n", i))
				clients = append(clients, c)
			}
			for i, c := range clients {
				netlabtest.RoundTrip(t, c, fmt.Sprintf("client %d, again\n", i))
			}
		})
	}
}

func TestAClientThatStopsReadingDoesNotStallOthers(t *testing.T) {
	for _, m := range table {
		if m.Serial {
			continue
		}
		t.Run(m.Name, func(t *testing.T) {
			addr, _ := conformance.Start(t, m, echo.New(), netlab.Config{MaxPending: 256 << 10})

			// The slow client sends far more than the socket buffers and the
			// server's queue can hold, and never reads its echo. The server
			// must stop reading from it (backpressure) rather than buffer
			// without bound or block anyone else.
			slow := netlabtest.Dial(t, addr)
			wrote := make(chan error, 1)
			go func() {
				_, err := slow.Write(make([]byte, 64<<20))
				wrote <- err
			}()

			other := netlabtest.Dial(t, addr)
			for i := range 200 {
				netlabtest.RoundTrip(t, other, fmt.Sprintf("still served %d\n", i))
			}
			select {
			case err := <-wrote:
				require.FailNow(t, "no backpressure", "the server took all 64 MiB from a client that reads nothing (write returned %v)", err)
			default:
			}
			slow.Close()
			<-wrote
		})
	}
}

// Benchmarks. Each reports requests per second and latency percentiles from
// the same run; compare models as ratios within one run, since the machine
// the numbers come from is shared and noisy:
//
//	go test -run '^$' -bench 'Echo' -benchtime 20000x .

// echoConns are the connection counts the echo benchmarks sweep.
var echoConns = []int{1, 50, 1000}

func BenchmarkEcho(b *testing.B) {
	for _, conns := range echoConns {
		b.Run(fmt.Sprintf("conns=%d/model=baseline", conns), func(b *testing.B) {
			benchEcho(b, startBaseline(b), conns)
		})
		for _, m := range table {
			if !m.Serves(conns) {
				continue // the clients beyond its limit would only measure waiting
			}
			b.Run(fmt.Sprintf("conns=%d/model=%s", conns, m.Name), func(b *testing.B) {
				addr, _ := conformance.Start(b, m, echo.New(), netlab.Config{})
				benchEcho(b, addr, conns)
			})
		}
	}
}

// benchEcho runs b.N echo round trips of 64 bytes, shared among conns
// clients, with the workload `netlab load` and `netlab compare` run, and
// reports the throughput and the latency percentiles (in ns, benchstat's
// unit of time).
func benchEcho(b *testing.B, addr string, conns int) {
	ctx, cancel := context.WithTimeout(b.Context(), 5*time.Minute)
	defer cancel()
	b.ResetTimer()
	rep, err := workload.Load(ctx, workload.Spec{Addr: addr, Service: workload.ServiceEcho, Clients: conns, Requests: max(1, (b.N+conns-1)/conns)})
	b.StopTimer()
	require.NoError(b, err)
	require.Zero(b, rep.Errors, "echo errors")
	b.ReportMetric(rep.PerSec(), "req/s")
	b.ReportMetric(float64(rep.Latency.Quantile(0.50)), "p50-ns")
	b.ReportMetric(float64(rep.Latency.Quantile(0.99)), "p99-ns")
}

// startBaseline runs the smallest correct goroutine-per-connection echo
// server there is — read into a buffer, write it back — as the yardstick
// for what perconn's queue, backpressure and bookkeeping cost.
func startBaseline(b *testing.B) string {
	return netlabtest.StartBare(b, netlabtest.BareEcho)
}

// BenchmarkIdleConnMemory opens idle echo connections and reports what each
// costs the process (heap and goroutine stacks, both ends of the loopback
// connection included), the number that decides how many clients a
// model can hold:
//
//	go test -run '^$' -bench IdleConnMemory -benchtime 1x .
func BenchmarkIdleConnMemory(b *testing.B) {
	const n = 2000
	for _, m := range table {
		if !m.Serves(n) {
			continue
		}
		b.Run("model="+m.Name, func(b *testing.B) {
			for b.Loop() {
				addr, srv := conformance.Start(b, m, echo.New(), netlab.Config{})
				before := inUse()
				var clients []net.Conn
				for range n {
					c, err := net.Dial("tcp", addr)
					require.NoError(b, err)
					clients = append(clients, c)
				}
				// Wait until the server has accepted them all: the
				// connections are only worth measuring once served.
				netlabtest.WaitFor(b, "every client to be served", func() bool {
					return srv.(netlab.StatsReporter).Stats().Active >= n
				})
				after := inUse()
				b.ReportMetric(float64(after-before)/n, "B/conn")
				for _, c := range clients {
					c.Close()
				}
			}
		})
	}
}

// inUse returns the bytes of heap and goroutine stack in use after a
// collection.
func inUse() int64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapInuse + ms.StackInuse)
}

// BenchmarkPerconnVsBaseline answers one question with a ratio: what do
// perconn's output queue, backpressure, idle deadlines and bookkeeping cost
// next to the minimal goroutine-per-connection echo server? On a shared
// machine two benchmarks run minutes apart are not comparable, so this one
// alternates the two servers in short rounds within one run and reports
// perconn's throughput as a fraction of the baseline's:
//
//	go test -run '^$' -bench PerconnVsBaseline -benchtime 10x .
//
// b.N is the number of rounds; a round is a window of 250ms on each server,
// every client sending its next request when the last is answered, with the
// workload `netlab load` runs. A round connects its clients before its
// window opens, so connecting is not timed; a fixed number of requests per
// client would time the last stragglers instead of the servers.
func BenchmarkPerconnVsBaseline(b *testing.B) {
	for _, conns := range []int{50, 1000} {
		b.Run(fmt.Sprintf("conns=%d", conns), func(b *testing.B) {
			perconnAddr, _ := conformance.Start(b, reference, echo.New(), netlab.Config{})
			baselineAddr := startBaseline(b)
			ctx, cancel := context.WithTimeout(b.Context(), 10*time.Minute)
			defer cancel()
			// The two servers' answered requests and windows, summed over
			// the rounds.
			var base, ours workload.Result
			round := func(addr string, acc *workload.Result) {
				rep, err := workload.Load(ctx, workload.Spec{Addr: addr, Service: workload.ServiceEcho, Clients: conns, Duration: 250 * time.Millisecond})
				require.NoError(b, err)
				require.Zero(b, rep.Errors, "echo errors")
				acc.Ops += rep.Requests
				acc.Elapsed += rep.Window
			}
			for i := 0; b.Loop(); i++ {
				// Alternate which goes first, so neither always runs on a
				// machine the other has just warmed up.
				if i%2 == 0 {
					round(baselineAddr, &base)
					round(perconnAddr, &ours)
				} else {
					round(perconnAddr, &ours)
					round(baselineAddr, &base)
				}
			}
			b.ReportMetric(base.OpsPerSec(), "baseline-req/s")
			b.ReportMetric(ours.OpsPerSec(), "perconn-req/s")
			b.ReportMetric(ours.OpsPerSec()/base.OpsPerSec(), "perconn/baseline")
		})
	}
}
