//go:build linux

package procserver_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/netlab-go/netlab/internal/procserver"
	"github.com/netlab-go/netlab/internal/workload"
	"github.com/netlab-go/netlab/netlabtest"
)

// ratio turns on TestRatio, which takes several minutes of a machine's
// full attention:
//
//	go test ./internal/procserver -run TestRatio -v -timeout 30m -args -netlab.ratio
var (
	ratio       = flag.Bool("netlab.ratio", false, "measure eventloop ÷ perconn out of process, with compare's workload and with outside load generators")
	ratioRounds = flag.Int("netlab.rounds", 7, "TestRatio: alternating rounds per cell")
	ratioWindow = flag.Duration("netlab.window", 800*time.Millisecond, "TestRatio: each measurement's window (compare's default)")
	ratioCells  = flag.String("netlab.cells", "echo/1,echo/50,echo/1000,chat/2,chat/50", "TestRatio: the cells to measure, SERVICE/CLIENTS, comma-separated")
)

// ratioModels are the two servers of every cell; the ratio is the second's
// rate over the first's.
var ratioModels = [2]string{"perconn", "eventloop"}

// TestRatio checks `netlab compare`'s event-loop-to-perconn ratios against
// load generators that share nothing with it. Each cell (a service at a
// number of clients) starts both servers as `netlab serve` children, built
// from this tree, and measures them in rounds: in each round every
// generator drives perconn and the event loop back to back, which one first
// alternating from round to round, so that the machine's drift hits both
// alike. A cell's ratio for a generator is the median of its rounds'
// ratios. The table it logs has one column per generator:
//
//   - compare: internal/workload's Load in this process, with the Spec a
//     compare cell uses;
//   - netlab load: the same workload in a process of its own, and again
//     with GOMAXPROCS=1;
//   - loadgen: docs/compare/loadgen.c, a C client with one thread running
//     epoll over every connection, as wrk and memtier are built;
//   - loadgen -p (1 client, a room of 2): loadgen polling instead of
//     sleeping in epoll_wait, to show what its wake-ups cost;
//   - Go ping-pong (echo): a goroutine per connection in a process of its
//     own, sharing no code with internal/workload;
//   - echoload (echo, up to 50 clients): docs/compare/echoload.c, a thread
//     and a blocking connection per client.
func TestRatio(t *testing.T) {
	if !*ratio {
		t.Skip("a measurement, not a test: run with -args -netlab.ratio")
	}
	bins := buildRatioBinaries(t)
	cells, err := parseRatioCells(*ratioCells)
	require.NoError(t, err)
	gens := ratioGenerators(bins)

	var table []ratioRow
	for _, c := range cells {
		srvs := [2]*procserver.Server{}
		for k, m := range ratioModels {
			// Twice the clients: room to spare, so that the limit, which
			// only guards the machine, never decides a result.
			srv, err := procserver.Start(t.Context(), []string{bins.netlab, "serve", "-model", m, "-service", c.service,
				"-addr", "127.0.0.1:0", "-max-conns", fmt.Sprint(2*c.clients + 16)}, procserver.Options{})
			require.NoError(t, err)
			t.Cleanup(func() { srv.Stop() }) // a failed run's servers too
			srvs[k] = srv
		}
		row := ratioRow{cell: c, gens: map[string]*ratioSeries{}}
		for round := range *ratioRounds {
			for _, g := range gens {
				if !g.drives(c) {
					continue
				}
				order := []int{0, 1}
				if round%2 == 1 {
					order = []int{1, 0}
				}
				ser := row.gens[g.name]
				if ser == nil {
					ser = &ratioSeries{}
					row.gens[g.name] = ser
				}
				for _, k := range order {
					// Each run starts on a server that has closed the last
					// run's connections, not one still tearing them down.
					netlabtest.WaitFor(t, ratioModels[k]+" to close the last run's connections", func() bool { return openSockets(t, srvs[k]) == 1 })
					idle0, began := idleEntries(), time.Now()
					m, err := g.run(t.Context(), srvs[k], c, *ratioWindow)
					require.NoError(t, err, "%s against %s %s at %d clients", g.name, ratioModels[k], c.service, c.clients)
					ser.rates[k] = append(ser.rates[k], m.rate)
					if idle0 >= 0 {
						// Over the generator's whole run, connecting and
						// warming up included: a close estimate where the
						// window is most of it.
						perOp := float64(idleEntries()-idle0) / (m.rate * time.Since(began).Seconds())
						ser.halts[k] = append(ser.halts[k], perOp)
					}
					if m.cpuPerOp > 0 {
						row.cpu[k] = append(row.cpu[k], m.cpuPerOp)
					}
				}
				r := ser.rates
				t.Logf("%-5s %4d round %d %-12s perconn %9.0f/s  eventloop %9.0f/s  ratio %.2f",
					c.service, c.clients, round, g.name, r[0][round], r[1][round], r[1][round]/r[0][round])
			}
		}
		for _, s := range srvs {
			require.NoError(t, s.Stop())
		}
		table = append(table, row)
	}
	t.Logf("eventloop ÷ perconn, median of %d alternating rounds of %v (range in brackets), servers `netlab serve` in processes of their own:\n%s",
		*ratioRounds, *ratioWindow, formatRatioTable(table, gens))
	if idleEntries() >= 0 {
		t.Logf("times a core went idle (cpuidle entries, every core) per request, median, perconn / eventloop: each costs a wake-up, which on a virtual machine without halt polling is tens of µs:\n%s",
			formatHaltsTable(table, gens))
	}
}

// idleEntries sums how often every core has entered an idle state that
// sleeps (cpuidle's POLL state only spins), or returns -1 where the kernel
// does not say.
func idleEntries() int64 {
	states, _ := filepath.Glob("/sys/devices/system/cpu/cpu[0-9]*/cpuidle/state[0-9]*")
	if len(states) == 0 {
		return -1
	}
	var n int64
	for _, st := range states {
		name, err1 := os.ReadFile(filepath.Join(st, "name"))
		usage, err2 := os.ReadFile(filepath.Join(st, "usage"))
		if err1 != nil || err2 != nil {
			return -1
		}
		if strings.TrimSpace(string(name)) == "POLL" {
			continue
		}
		v, err := strconv.ParseInt(strings.TrimSpace(string(usage)), 10, 64)
		if err != nil {
			return -1
		}
		n += v
	}
	return n
}

// formatHaltsTable shows, per generator, the median idle entries per
// request of perconn and of eventloop.
func formatHaltsTable(rows []ratioRow, gens []ratioGenerator) string {
	return formatTable(rows, gens, 16, func(s *ratioSeries) string {
		if len(s.halts[0]) == 0 {
			return ""
		}
		return fmt.Sprintf("%.2f / %.2f", median(s.halts[0]), median(s.halts[1]))
	}, "", nil)
}

// formatTable lays rows out a cell to a line, with a column width wide for
// each generator, saying what cell makes of the generator's series ("—"
// where there is none, or cell returns ""), and then, if last is not nil,
// a column headed lastHead.
func formatTable(rows []ratioRow, gens []ratioGenerator, width int, cell func(*ratioSeries) string, lastHead string, last func(ratioRow) string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-14s", "cell")
	for _, g := range gens {
		fmt.Fprintf(&b, " | %-*s", width, g.name)
	}
	if last != nil {
		fmt.Fprintf(&b, " | %s", lastHead)
	}
	b.WriteString("\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "%-14s", fmt.Sprintf("%s %d", r.cell.service, r.cell.clients))
		for _, g := range gens {
			text := "—"
			if s, ok := r.gens[g.name]; ok {
				if c := cell(s); c != "" {
					text = c
				}
			}
			fmt.Fprintf(&b, " | %-*s", width, text)
		}
		if last != nil {
			fmt.Fprintf(&b, " | %s", last(r))
		}
		b.WriteString("\n")
	}
	return b.String()
}

// openSockets counts the sockets the server holds open: 1, its listener,
// once it has closed every connection.
func openSockets(t *testing.T, srv *procserver.Server) int {
	dir := fmt.Sprintf("/proc/%d/fd", srv.PID())
	fds, err := os.ReadDir(dir)
	require.NoError(t, err)
	n := 0
	for _, fd := range fds {
		// A descriptor closed since ReadDir has no link left to read.
		if target, err := os.Readlink(filepath.Join(dir, fd.Name())); err == nil && strings.HasPrefix(target, "socket:") {
			n++
		}
	}
	return n
}

// A ratioCell is one service at one number of clients.
type ratioCell struct {
	service string
	clients int
}

func parseRatioCells(s string) ([]ratioCell, error) {
	var cells []ratioCell
	for f := range strings.SplitSeq(s, ",") {
		var c ratioCell
		svc, n, ok := strings.Cut(strings.TrimSpace(f), "/")
		if _, err := fmt.Sscan(n, &c.clients); !ok || err != nil || c.clients < 1 ||
			(svc != workload.ServiceEcho && svc != workload.ServiceChat) || (svc == workload.ServiceChat && c.clients < 2) {
			return nil, fmt.Errorf("-netlab.cells: %q: want SERVICE/CLIENTS, echo with 1 or more, chat with 2 or more", f)
		}
		c.service = svc
		cells = append(cells, c)
	}
	return cells, nil
}

// A ratioRow is what one cell measured: per generator, each model's rate
// in each round, and the server's CPU per request under compare's
// workload, which alone times the server over exactly its window.
type ratioRow struct {
	cell ratioCell
	gens map[string]*ratioSeries // by generator
	cpu  [2][]float64            // µs per request
}

// A ratioSeries is what one generator measured of one cell, per model (in
// ratioModels' order), a value per round.
type ratioSeries struct {
	rates [2][]float64
	halts [2][]float64 // the cores' idle entries per request, where the kernel says
}

// formatRatioTable shows, per generator, the median ratio eventloop ÷
// perconn with its range and both rates, and the server's CPU per request.
func formatRatioTable(rows []ratioRow, gens []ratioGenerator) string {
	return formatTable(rows, gens, 30, func(s *ratioSeries) string {
		ratios := make([]float64, len(s.rates[0]))
		for i := range ratios {
			ratios[i] = s.rates[1][i] / s.rates[0][i]
		}
		lo, hi := slices.Min(ratios), slices.Max(ratios)
		return fmt.Sprintf("%.2f [%.2f–%.2f] %s/%s", median(ratios), lo, hi, kilo(median(s.rates[0])), kilo(median(s.rates[1])))
	}, "server CPU µs/req under compare's workload, perconn / eventloop", func(r ratioRow) string {
		return fmt.Sprintf("%.2f / %.2f", median(r.cpu[0]), median(r.cpu[1]))
	})
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 0 {
		return (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return s[len(s)/2]
}

// kilo writes a rate in thousands per second: 123k.
func kilo(v float64) string { return fmt.Sprintf("%.0fk", v/1000) }
