//go:build linux

package procserver_test

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/echo"
	"github.com/netlab-go/netlab/internal/models"
	"github.com/netlab-go/netlab/internal/procserver"
	"github.com/netlab-go/netlab/internal/workload"
)

// ratio turns on TestEchoRatio, which takes half a minute of a machine's
// full attention:
//
//	go test ./internal/procserver -run TestEchoRatio -v -args -netlab.ratio
var ratio = flag.Bool("netlab.ratio", false, "measure eventloop ÷ perconn echo out of process")

// echoHelper is the child for TestEchoRatio: echo under one model on
// loopback, until SIGTERM ends the process.
func echoHelper(model string) {
	m, err := models.Lookup(model)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	srv, err := m.With(models.Flags{})(echo.New(), netlab.Config{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("listening on %s\n", l.Addr())
	srv.Serve(l)
}

// pingPong is the outside load generator: a process of its own that
// shares no code with internal/workload, each of conns goroutines writing
// 64 bytes and reading them back for d. It prints the round trips done.
func pingPong(addr string, conns int, d time.Duration) {
	var ops atomic.Int64
	var wg sync.WaitGroup
	cs := make([]net.Conn, conns)
	for i := range cs {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		cs[i] = c
	}
	deadline := time.Now().Add(d)
	start := time.Now()
	for _, c := range cs {
		wg.Go(func() {
			c.SetDeadline(deadline)
			msg, got := make([]byte, 64), make([]byte, 64)
			for i := range msg {
				msg[i] = 'a' + byte(i%26)
			}
			for {
				if _, err := c.Write(msg); err != nil {
					return
				}
				if _, err := io.ReadFull(c, got); err != nil {
					return
				}
				ops.Add(1)
			}
		})
	}
	wg.Wait()
	fmt.Printf("%d %d\n", ops.Load(), time.Since(start).Nanoseconds())
}

// TestEchoRatio measures echo at 50 connections under perconn and under
// eventloop, each server in a child process, twice over: through
// workload.Load in this process, and through pingPong in another. The
// machine is shared, and its load drifts by the second, so the two servers
// run side by side and take turns in short windows, and the ratio is the
// median of each round's ratio of neighbours, not a ratio of totals.
func TestEchoRatio(t *testing.T) {
	if !*ratio {
		t.Skip("a measurement, not a test: run with -args -netlab.ratio")
	}
	const conns, idle, window, rounds = 50, 1000, 500 * time.Millisecond, 12
	measured := []string{"perconn", "eventloop"} // the ratio is the second over the first
	srvs := map[string]*procserver.Server{}
	for _, m := range measured {
		argv, env := helperArgv("echo-" + m)
		srv, err := procserver.Start(t.Context(), argv, procserver.Options{Env: env})
		require.NoError(t, err)
		t.Cleanup(func() { srv.Stop() })
		srvs[m] = srv

		// What an idle connection costs, on the fresh server.
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		before, err := srv.Sample()
		require.NoError(t, err)
		held, err := workload.Hold(ctx, workload.Spec{Addr: srv.Addr, Service: workload.ServiceEcho, Clients: idle})
		require.NoError(t, err)
		after, err := srv.Sample()
		require.NoError(t, err)
		held.Close()
		cancel()
		t.Logf("%-9s %d idle connections: %d B each", m, held.Connected, (after.RSS-before.RSS)/int64(held.Connected))
	}

	ours, outside, cpu := map[string][]float64{}, map[string][]float64{}, map[string][]float64{}
	var oursRatio, outsideRatio []float64
	for round := range rounds {
		for _, m := range measured {
			srv := srvs[m]
			var u procserver.Usage
			var uerr error
			ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
			rep, err := workload.Load(ctx, workload.Spec{
				Addr: srv.Addr, Service: workload.ServiceEcho, Clients: conns, Duration: window,
				OnWindow: func() func() {
					w, err := srv.Begin()
					if err != nil {
						uerr = err
						return nil
					}
					return func() { u, uerr = w.End() }
				},
			})
			cancel()
			require.NoError(t, err)
			require.NoError(t, uerr)
			ours[m] = append(ours[m], rep.PerSec())
			cpu[m] = append(cpu[m], float64(u.CPU.Microseconds())/float64(rep.Requests))

			argv, env := helperArgv("pingpong")
			out, err := runOutside(argv, env, srv.Addr, conns, window)
			require.NoError(t, err)
			outside[m] = append(outside[m], out)
			t.Logf("round %2d %-9s workload.Load %7.0f req/s (p99 %v, server CPU %.1f µs/req, peak RSS %d KiB) | outside ping-pong %7.0f req/s",
				round, m, rep.PerSec(), rep.Latency.Quantile(0.99), cpu[m][round], u.PeakRSS>>10, out)
		}
		oursRatio = append(oursRatio, ours["eventloop"][round]/ours["perconn"][round])
		outsideRatio = append(outsideRatio, outside["eventloop"][round]/outside["perconn"][round])
	}
	med := func(v []float64) float64 { s := slices.Clone(v); slices.Sort(s); return s[len(s)/2] }
	t.Logf("eventloop ÷ perconn echo at %d conns, median of %d rounds: workload.Load %.2f (perconn %.0f, eventloop %.0f req/s) | outside ping-pong %.2f (perconn %.0f, eventloop %.0f req/s) | server CPU µs/req perconn %.2f eventloop %.2f",
		conns, rounds, med(oursRatio), med(ours["perconn"]), med(ours["eventloop"]),
		med(outsideRatio), med(outside["perconn"]), med(outside["eventloop"]),
		med(cpu["perconn"]), med(cpu["eventloop"]))
}

// runOutside runs pingPong in a child process and returns its req/s.
func runOutside(argv, env []string, addr string, conns int, d time.Duration) (float64, error) {
	cmd := exec.Command(argv[0], addr, strconv.Itoa(conns), d.String())
	cmd.Env = env
	out, err := cmd.Output()
	if err != nil {
		return 0, fmt.Errorf("ping-pong: %w", err)
	}
	f := strings.Fields(string(out))
	if len(f) != 2 {
		return 0, fmt.Errorf("ping-pong printed %q", out)
	}
	ops, _ := strconv.ParseFloat(f[0], 64)
	ns, _ := strconv.ParseFloat(f[1], 64)
	return ops / (ns / 1e9), nil
}
