//go:build linux

package procserver_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/netlab-go/netlab/internal/benchref"
	"github.com/netlab-go/netlab/internal/procserver"
	"github.com/netlab-go/netlab/internal/workload"
)

// ratioBinaries are the programs TestRatio runs as children.
type ratioBinaries struct {
	netlab   string // cmd/netlab, built from this tree: the servers and `netlab load`
	loadgen  string // docs/compare/loadgen.c
	echoload string // docs/compare/echoload.c
}

// buildRatioBinaries builds netlab and the C generators into a temporary
// folder, skipping the test where there is no C compiler.
func buildRatioBinaries(t *testing.T) ratioBinaries {
	t.Helper()
	dir := t.TempDir()
	bins := ratioBinaries{netlab: filepath.Join(dir, "netlab"), loadgen: filepath.Join(dir, "loadgen"), echoload: filepath.Join(dir, "echoload")}
	for _, bin := range []string{bins.loadgen, bins.echoload} {
		err := benchref.BuildC(filepath.Join("..", "..", "docs", "compare", filepath.Base(bin)+".c"), bin, "-pthread")
		if errors.Is(err, benchref.ErrNoCompiler) {
			t.Skipf("TestRatio builds docs/compare/loadgen.c, its outside load generator: %v", err)
		}
		require.NoError(t, err)
	}
	gotool, err := exec.LookPath("go")
	require.NoError(t, err, "TestRatio builds cmd/netlab with the go command")
	out, err := exec.Command(gotool, "build", "-o", bins.netlab, "github.com/netlab-go/netlab/cmd/netlab").CombinedOutput()
	require.NoError(t, err, "go build cmd/netlab:\n%s", out)
	return bins
}

// A ratioGenerator drives one server for one window.
type ratioGenerator struct {
	name       string
	services   []string // the services it drives
	maxClients int      // the most clients it is run with; 0 means any
	run        func(ctx context.Context, srv *procserver.Server, c ratioCell, window time.Duration) (ratioMeasure, error)
}

func (g ratioGenerator) drives(c ratioCell) bool {
	return slices.Contains(g.services, c.service) && (g.maxClients == 0 || c.clients <= g.maxClients)
}

// A ratioMeasure is one generator's run against one server.
type ratioMeasure struct {
	rate     float64 // round trips or deliveries per second of window
	cpuPerOp float64 // the server's CPU µs per request, where the generator measures it; else 0
}

func ratioGenerators(bins ratioBinaries) []ratioGenerator {
	both := []string{workload.ServiceEcho, workload.ServiceChat}
	return []ratioGenerator{
		{name: "compare", services: both, run: compareWorkload},
		{name: "netlab load", services: both, run: bins.runNetlabLoad(nil)},
		// The same with one P: a client that, like loadgen, keeps to one
		// core of the two.
		{name: "netlab load P=1", services: both, run: bins.runNetlabLoad(append(os.Environ(), "GOMAXPROCS=1"))},
		{name: "loadgen", services: both, run: bins.runLoadgen()},
		// The same, polling instead of sleeping when nothing is ready:
		// where one request is in flight in all, what the client's
		// wake-ups cost.
		{name: "loadgen -p", services: both, maxClients: 2, run: bins.runLoadgen("-p")},
		// A thread and a blocking connection per client, the generator
		// the first check used: at 50 clients, 50 threads competing with
		// the servers for the cores.
		{name: "echoload", services: []string{workload.ServiceEcho}, maxClients: 50, run: func(ctx context.Context, srv *procserver.Server, c ratioCell, window time.Duration) (ratioMeasure, error) {
			host, port, _ := net.SplitHostPort(srv.Addr)
			out, err := runChild(ctx, window, []string{bins.echoload, host, port, strconv.Itoa(c.clients), strconv.FormatFloat(window.Seconds(), 'f', 3, 64)}, nil)
			if err != nil {
				return ratioMeasure{}, err
			}
			// "50 conns: 123456 req/s"
			var n int
			var rate float64
			if _, err := fmt.Sscanf(out, "%d conns: %g req/s", &n, &rate); err != nil {
				return ratioMeasure{}, fmt.Errorf("echoload printed %q: %w", out, err)
			}
			return ratioMeasure{rate: rate}, nil
		}},
		{name: "Go ping-pong", services: []string{workload.ServiceEcho}, run: func(ctx context.Context, srv *procserver.Server, c ratioCell, window time.Duration) (ratioMeasure, error) {
			argv, env := helperArgv("pingpong")
			out, err := runChild(ctx, window, append(argv, srv.Addr, strconv.Itoa(c.clients), window.String()), env)
			if err != nil {
				return ratioMeasure{}, err
			}
			var ops, ns float64
			if _, err := fmt.Sscan(out, &ops, &ns); err != nil {
				return ratioMeasure{}, fmt.Errorf("ping-pong printed %q: %w", out, err)
			}
			return ratioMeasure{rate: ops / (ns / 1e9)}, nil
		}},
	}
}

// runNetlabLoad returns the generator that runs `netlab load` with env
// (nil: this process's).
func (bins ratioBinaries) runNetlabLoad(env []string) func(ctx context.Context, srv *procserver.Server, c ratioCell, window time.Duration) (ratioMeasure, error) {
	return func(ctx context.Context, srv *procserver.Server, c ratioCell, window time.Duration) (ratioMeasure, error) {
		out, err := runChild(ctx, window, []string{bins.netlab, "load", "-addr", srv.Addr, "-service", c.service,
			"-clients", strconv.Itoa(c.clients), "-duration", window.String(), "-quiet"}, env)
		if err != nil {
			return ratioMeasure{}, err
		}
		// "  Throughput:   99984 req/s, …"
		for line := range strings.Lines(out) {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == "Throughput:" {
				rate, err := strconv.ParseFloat(f[1], 64)
				return ratioMeasure{rate: rate}, err
			}
		}
		return ratioMeasure{}, fmt.Errorf("netlab load printed no throughput:\n%s", out)
	}
}

// runLoadgen returns the generator that runs loadgen with flags.
func (bins ratioBinaries) runLoadgen(flags ...string) func(ctx context.Context, srv *procserver.Server, c ratioCell, window time.Duration) (ratioMeasure, error) {
	return func(ctx context.Context, srv *procserver.Server, c ratioCell, window time.Duration) (ratioMeasure, error) {
		host, port, _ := net.SplitHostPort(srv.Addr)
		argv := append(append([]string{bins.loadgen}, flags...), c.service, host, port, strconv.Itoa(c.clients), strconv.FormatFloat(window.Seconds(), 'f', 3, 64))
		out, err := runChild(ctx, window, argv, nil)
		if err != nil {
			return ratioMeasure{}, err
		}
		for f := range strings.FieldsSeq(out) {
			if v, ok := strings.CutPrefix(f, "per_s="); ok {
				rate, err := strconv.ParseFloat(v, 64)
				return ratioMeasure{rate: rate}, err
			}
		}
		return ratioMeasure{}, fmt.Errorf("loadgen printed no per_s=: %q", out)
	}
}

// compareWorkload is what a cell of `netlab compare` runs against a model
// that serves every client: internal/workload's Load in this process, every
// client greeted before the window opens, the server's CPU read from /proc
// over exactly the window.
func compareWorkload(ctx context.Context, srv *procserver.Server, c ratioCell, window time.Duration) (ratioMeasure, error) {
	ctx, cancel := context.WithTimeout(ctx, window+time.Minute)
	defer cancel()
	meas := srv.Measure()
	rep, err := workload.Load(ctx, workload.Spec{
		Addr: srv.Addr, Service: c.service, Clients: c.clients, Duration: window,
		ConnectTimeout: 10 * time.Second, Greet: true, OnWindow: meas.OnWindow,
	})
	u, uerr := meas.Usage()
	switch {
	case err != nil:
		return ratioMeasure{}, err
	case uerr != nil:
		return ratioMeasure{}, uerr
	case rep.Errors > 0 || rep.Connected < c.clients:
		return ratioMeasure{}, fmt.Errorf("compare's workload: %d of %d connected, %d errors", rep.Connected, c.clients, rep.Errors)
	}
	return ratioMeasure{rate: rep.PerSec(), cpuPerOp: float64(u.CPU.Microseconds()) / float64(rep.Requests)}, nil
}

// runChild runs a generator's argv, bounded well past its window, and
// returns its standard output.
func runChild(ctx context.Context, window time.Duration, argv, env []string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, window+time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = env
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("%s: %w\n%s", strings.Join(argv, " "), err, stderr.String())
	}
	return string(out), nil
}

// pingPong is the Go ping-pong generator, the child role "pingpong": a
// process of its own that shares no code with internal/workload, each of
// conns goroutines writing 64 bytes and reading them back for d. It prints
// the round trips done and the nanoseconds they took.
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
