package multiprocess_test

import (
	"context"
	"io"
	"net"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/netlab-go/netlab/internal/procserver"
	"github.com/netlab-go/netlab/internal/workload"
)

// These benchmarks put the model beside its yardstick — perconn, a bare
// io.Copy server, a bare exec — each in a process of its own
// (benchserver_test.go), and take turns: every iteration of b.Loop is one
// round of the yardstick and one of the model, back to back, so that the
// drift of a shared machine falls on both alike. The ratio reported is the
// median of the rounds' ratios, not a ratio of totals. Run them with a
// count of rounds, for example:
//
//	go test ./multiprocess -run '^$' -bench . -benchtime 8x
//
// CPU per operation is the server's process tree's user and system time
// over the window (internal/procserver, to a clock tick), divided by the
// operations done in it: it does not depend on what else the machine runs.

// startBench starts a bench server in a process of its own, with the
// extra environment given; it is stopped at cleanup.
func startBench(b *testing.B, mode, service, root string, extra ...string) *procserver.Server {
	b.Helper()
	env := append(os.Environ(), envBenchServer+"="+strings.TrimSpace(mode+" "+service+" "+root))
	env = append(env, extra...)
	srv, err := procserver.Start(b.Context(), []string{os.Args[0], "-test.run=^$"}, procserver.Options{Env: env})
	require.NoError(b, err)
	b.Cleanup(func() { srv.Stop() })
	return srv
}

// round is what one measured window saw.
type round struct {
	rate float64 // operations (or MB, for files) per second
	cpu  float64 // the server's CPU µs per operation
}

// measure runs one load against srv and measures the server over its window.
func measure(b *testing.B, srv *procserver.Server, spec workload.Spec) round {
	b.Helper()
	spec.Addr = srv.Addr
	meas := srv.Measure()
	spec.OnWindow = meas.OnWindow
	ctx, cancel := context.WithTimeout(b.Context(), 2*time.Minute)
	defer cancel()
	rep, err := workload.Load(ctx, spec)
	require.NoError(b, err)
	u, uerr := meas.Usage()
	require.NoError(b, uerr)
	require.Positive(b, rep.Requests, "no request was answered")
	r := round{rate: rep.PerSec(), cpu: float64(u.CPU.Microseconds()) / float64(rep.Requests)}
	if spec.Service == workload.ServiceFiles {
		r.rate = float64(rep.Bytes) / 1e6 / rep.Window.Seconds()
	}
	return r
}

// alternate runs a round of base and one of model per iteration, and
// reports the model's median rate and CPU, the base's, and the median
// ratio of rates as "x-BASE".
func alternate(b *testing.B, baseName string, base, model func() round, unit, op string) {
	var bs, ms []round
	var ratios []float64
	for b.Loop() {
		rb, rm := base(), model()
		bs, ms = append(bs, rb), append(ms, rm)
		ratios = append(ratios, rm.rate/rb.rate)
	}
	med := func(rs []round, f func(round) float64) float64 {
		v := make([]float64, len(rs))
		for i, r := range rs {
			v[i] = f(r)
		}
		return median(v)
	}
	rate := func(r round) float64 { return r.rate }
	cpu := func(r round) float64 { return r.cpu }
	b.ReportMetric(med(ms, rate), unit)
	b.ReportMetric(med(bs, rate), baseName+"-"+unit)
	b.ReportMetric(median(ratios), "x-"+baseName)
	if op != "" {
		b.ReportMetric(med(ms, cpu), "CPU-µs/"+op)
		b.ReportMetric(med(bs, cpu), baseName+"-CPU-µs/"+op)
	}
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	v = slices.Clone(v)
	slices.Sort(v)
	if n := len(v); n%2 == 0 {
		return (v[n/2-1] + v[n/2]) / 2
	}
	return v[len(v)/2]
}

// besidePerconn runs spec against the model in mode and against perconn,
// each server in a process of its own, in alternate windows, and reports
// unit and the CPU per op of each.
func besidePerconn(b *testing.B, mode string, spec workload.Spec, unit, op string) {
	pc, mp := startBench(b, "perconn", string(spec.Service), ""), startBench(b, mode, string(spec.Service), "")
	alternate(b, "perconn",
		func() round { return measure(b, pc, spec) },
		func() round { return measure(b, mp, spec) },
		unit, op)
}

// BenchmarkChat measures a room of 100 members, each with one message in
// flight (workload's closed-loop chat), under the model and under perconn:
// deliveries per second (one line reaching one member) and the server's
// CPU per delivery.
func BenchmarkChat(b *testing.B) {
	for _, mode := range []string{"child", "prefork"} {
		b.Run("room=100/mode="+mode, func(b *testing.B) {
			besidePerconn(b, mode, workload.Spec{Service: workload.ServiceChat, Clients: 100, Duration: time.Second}, "deliveries/s", "delivery")
		})
	}
}

// BenchmarkEcho measures 50 connections of 64-byte echoes, already
// connected when the window opens, under the model and under perconn.
func BenchmarkEcho(b *testing.B) {
	for _, mode := range []string{"prefork", "child"} {
		b.Run("conns=50/mode="+mode, func(b *testing.B) {
			besidePerconn(b, mode, workload.Spec{Service: workload.ServiceEcho, Clients: 50, Duration: time.Second}, "requests/s", "request")
		})
	}
}

// BenchmarkGet measures one download of 1 GiB beside a bare server that
// answers with io.Copy, which is sendfile(2) in chunks of Go's choosing:
// under the model (a child per connection, which runs the blocking
// engine), and under perconn (the same engine in one process), which tells
// the model's own cost from the engine's.
func BenchmarkGet(b *testing.B) {
	const size = 1 << 30
	root := b.TempDir()
	_, err := workload.PrepareFile(root, size)
	require.NoError(b, err)
	spec := workload.Spec{Service: workload.ServiceFiles, Clients: 1, Requests: 1, Size: size}
	for _, mode := range []string{"child", "perconn"} {
		b.Run("size=1GiB/mode="+mode, func(b *testing.B) {
			bare, srv := startBench(b, "bare", "files", root), startBench(b, mode, "files", root)
			alternate(b, "bare",
				func() round { return measure(b, bare, spec) },
				func() round { return measure(b, srv, spec) },
				"MB/s", "")
		})
	}
}

// BenchmarkConnect measures short connections one after another (connect,
// one 64-byte echo, close) against a child per connection, beside the bare
// cost of what each costs at least: starting this very binary and reaping
// it, the binary exiting before it does anything else; and against prefork
// beside perconn. A round is 40 connections or execs.
func BenchmarkConnect(b *testing.B) {
	const n = 40
	connects := func(srv *procserver.Server) func() round {
		return func() round {
			w, err := srv.Begin()
			require.NoError(b, err)
			start := time.Now()
			for range n {
				connectOnce(b, srv.Addr)
			}
			d := time.Since(start)
			u, err := w.End()
			require.NoError(b, err)
			return round{rate: n / d.Seconds(), cpu: float64(u.CPU.Microseconds()) / n}
		}
	}
	b.Run("mode=child", func(b *testing.B) {
		mp := startBench(b, "child", "echo", "")
		execs := func() round {
			start := time.Now()
			var cpu time.Duration
			for range n {
				cmd := exec.Command(os.Args[0])
				cmd.Env = append(os.Environ(), envBenchExit+"=1")
				require.NoError(b, cmd.Run())
				cpu += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
			}
			return round{rate: n / time.Since(start).Seconds(), cpu: float64(cpu.Microseconds()) / n}
		}
		alternate(b, "exec", execs, connects(mp), "conns/s", "conn")
	})
	b.Run("mode=prefork", func(b *testing.B) {
		pc, mp := startBench(b, "perconn", "echo", ""), startBench(b, "prefork", "echo", "")
		// 40 connections take a few milliseconds here, under /proc's
		// clock tick: CPU per connection would read 0.
		alternate(b, "perconn", connects(pc), connects(mp), "conns/s", "")
	})
}

// connectOnce connects to addr, has 64 bytes echoed, and closes.
func connectOnce(b *testing.B, addr string) {
	c, err := net.Dial("tcp", addr)
	require.NoError(b, err)
	defer c.Close()
	msg := make([]byte, 64)
	_, err = c.Write(msg)
	require.NoError(b, err)
	_, err = io.ReadFull(c, msg)
	require.NoError(b, err)
}
