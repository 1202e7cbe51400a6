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
	"github.com/netlab-go/netlab/eventloop"
	"github.com/netlab-go/netlab/internal/procserver"
	"github.com/netlab-go/netlab/internal/workload"
	"github.com/netlab-go/netlab/perconn"
)

// ratio turns on TestEchoRatio, which takes half a minute of a machine's
// full attention:
//
//	go test ./internal/procserver -run TestEchoRatio -v -args -netlab.ratio
var ratio = flag.Bool("netlab.ratio", false, "measure eventloop ÷ perconn echo out of process")

// echoHelper is the child for TestEchoRatio: echo under one model on
// loopback, until SIGTERM ends the process.
func echoHelper(model string) {
	var srv netlab.Server
	switch model {
	case "perconn":
		srv = perconn.New(echo.New(), netlab.Config{})
	case "eventloop":
		s, err := eventloop.New(echo.New(), netlab.Config{}, eventloop.Options{})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		srv = s
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
// workload.Load in this process, and through pingPong in another. It
// alternates the models, five rounds each, and logs the medians.
func TestEchoRatio(t *testing.T) {
	if !*ratio {
		t.Skip("a measurement, not a test: run with -args -netlab.ratio")
	}
	const conns, idle, window = 50, 1000, 2 * time.Second
	models := []string{"perconn", "eventloop"}
	ours := map[string][]float64{}
	outside := map[string][]float64{}
	cpu := map[string][]float64{}
	for round := range 5 {
		for _, m := range models {
			argv, env := helperArgv("echo-" + m)
			srv, err := procserver.Start(t.Context(), argv, procserver.Options{Env: env})
			require.NoError(t, err)

			// Idle connections first, on a fresh server: what each costs.
			ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
			before, err := srv.Sample()
			require.NoError(t, err)
			held, err := workload.Hold(ctx, workload.Spec{Addr: srv.Addr, Service: workload.ServiceEcho, Clients: idle})
			require.NoError(t, err)
			after, err := srv.Sample()
			require.NoError(t, err)
			held.Close()
			perIdle := (after.RSS - before.RSS) / int64(held.Connected)

			var u procserver.Usage
			var uerr error
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

			argv, env = helperArgv("pingpong")
			out, err := runOutside(argv, env, srv.Addr, conns, window)
			require.NoError(t, err)
			outside[m] = append(outside[m], out)
			require.NoError(t, srv.Stop())
			t.Logf("round %d %-9s workload.Load %7.0f req/s (p99 %v, server CPU %.1f µs/req, peak RSS %d KiB, %d B per idle conn) | outside ping-pong %7.0f req/s",
				round, m, rep.PerSec(), rep.Latency.Quantile(0.99), cpu[m][len(cpu[m])-1], u.PeakRSS>>10, perIdle, out)
		}
	}
	med := func(v []float64) float64 { s := slices.Clone(v); slices.Sort(s); return s[len(s)/2] }
	t.Logf("median req/s at %d conns: workload.Load perconn %.0f eventloop %.0f ratio %.2f | outside perconn %.0f eventloop %.0f ratio %.2f | CPU µs/req perconn %.1f eventloop %.1f",
		conns, med(ours["perconn"]), med(ours["eventloop"]), med(ours["eventloop"])/med(ours["perconn"]),
		med(outside["perconn"]), med(outside["eventloop"]), med(outside["eventloop"])/med(outside["perconn"]),
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
