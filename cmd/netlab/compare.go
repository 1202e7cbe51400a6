package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/internal/models"
	"github.com/netlab-go/netlab/internal/workload"
)

// A row is one cell of the comparison: a service under a model at a load.
type row struct {
	service, model string
	load           string  // what the clients did: "50 conns", "8 downloads"
	conns          int     // clients at once
	unit           string  // what rate counts: "req/s", "deliveries/s", "MB/s"
	rate           float64 // throughput in unit
	p50, p99       time.Duration
	note           string // why a cell is empty, or what to keep in mind
}

// A sweep is how compare measures one service: the loads it sweeps and the
// workload it runs, once per load, on a fresh server.
type sweep struct {
	service string // its name in the table of services
	loads   []int  // connection counts
	unit    string
	// prepare, if set, readies what the service will serve (files: a
	// folder with a file to download) and returns how to remove it.
	prepare func(f *models.Flags) (cleanup func() error, err error)
	// run measures conns clients against addr until ctx ends.
	run func(ctx context.Context, addr string, conns int) (workload.Result, error)
	// rate picks the throughput figure from a result.
	rate func(workload.Result) float64
	// label names a load in the table.
	label func(conns int) string
}

// sweeps lists what compare measures, in the order the table prints it.
var sweeps = []sweep{
	{
		service: "echo",
		loads:   []int{1, 50, 500},
		unit:    "req/s",
		run: func(ctx context.Context, addr string, conns int) (workload.Result, error) {
			return workload.Echo(ctx, addr, conns, 64, 1<<40)
		},
		rate:  workload.Result.OpsPerSec,
		label: func(n int) string { return plural(n, "conn") },
	},
	// Every client broadcasts, every other one receives, and the rate is
	// deliveries (one line reaching one client) per second, with each
	// delivery's latency. A room needs two clients to deliver anything,
	// so the loads start at 2.
	{
		service: "chat",
		loads:   []int{2, 50, 500},
		unit:    "deliveries/s",
		run: func(ctx context.Context, addr string, conns int) (workload.Result, error) {
			return workload.Chat(ctx, addr, conns, 1<<40) // bounded by ctx
		},
		rate:  workload.Result.OpsPerSec,
		label: func(n int) string { return fmt.Sprintf("%d clients", n) },
	},
	{
		service: "files",
		loads:   []int{1, 8},
		unit:    "MB/s",
		// A fresh root with one file to download, removed afterwards.
		prepare: func(f *models.Flags) (func() error, error) {
			root, err := os.MkdirTemp("", "netlab-compare-files-")
			if err != nil {
				return nil, err
			}
			if _, err := workload.PrepareFile(root, compareFileSize); err != nil {
				os.RemoveAll(root)
				return nil, err
			}
			f.Root = root
			return func() error { return os.RemoveAll(root) }, nil
		},
		run: func(ctx context.Context, addr string, conns int) (workload.Result, error) {
			return workload.Files(ctx, addr, conns, compareFileSize, 1<<40)
		},
		rate:  workload.Result.MBPerSec,
		label: func(n int) string { return plural(n, "download") },
	},
}

// compareFileSize is the file compare downloads: large enough that a
// download is mostly transfer, small enough to sit in the page cache.
const compareFileSize = 64 << 20

func runCompare(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("compare", stderr)
	servicesFlag := fs.String("services", strings.Join(sweepServices(), ","), "services to measure, comma-separated")
	modelsFlag := fs.String("models", strings.Join(models.Names(), ","), "models to measure, comma-separated")
	duration := fs.Duration("duration", time.Second, "how long each cell runs")
	svgPath := fs.String("svg", "", "also draw the throughput chart as SVG to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var chosen []sweep
	for _, name := range splitList(*servicesFlag) {
		i := slices.IndexFunc(sweeps, func(s sweep) bool { return s.service == name })
		if i < 0 {
			return oneOf("services", name, sweepServices())
		}
		chosen = append(chosen, sweeps[i])
	}
	var ms []models.Model
	for _, name := range splitList(*modelsFlag) {
		m, err := models.Lookup(name)
		if err != nil {
			return oneOf("models", name, models.Names())
		}
		ms = append(ms, m)
	}

	fmt.Fprintf(stdout, "netlab compare: %d service(s) × %d model(s) on loopback, %v per cell, every model in this one process.\n", len(chosen), len(ms), *duration)
	fmt.Fprintln(stdout, "Compare models by their ratios within one run; absolute numbers depend on the machine and its load.")
	fmt.Fprintln(stdout)
	var rows []row
	for _, sw := range chosen {
		for _, conns := range sw.loads {
			for _, m := range ms {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				r := measure(ctx, sw, m, conns, *duration)
				rows = append(rows, r)
			}
		}
	}
	printTable(stdout, rows)
	if *svgPath != "" {
		if err := drawChart(*svgPath, rows); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "\nchart written to %s\n", *svgPath)
	}
	return nil
}

// measure starts a fresh server of model m, with every flag at its
// default, for the sweep's service, runs the load for d and returns the row.
func measure(ctx context.Context, sw sweep, m models.Model, conns int, d time.Duration) row {
	r := row{service: sw.service, model: m.Name, conns: conns, unit: sw.unit, load: sw.label(conns)}
	flags := models.Flags{Logger: slog.New(slog.DiscardHandler)}
	if m.Serial(flags) && conns > 1 {
		r.note = "serves one client at a time: the other clients would wait for the first to leave"
		return r
	}
	fail := func(err error) row { r.note = "error: " + err.Error(); return r }
	if sw.prepare != nil {
		cleanup, err := sw.prepare(&flags)
		if err != nil {
			return fail(err)
		}
		defer cleanup()
	}
	se, err := models.LookupService(sw.service)
	if err != nil {
		return fail(err)
	}
	svc, cleanup, err := se.New(flags)
	if err != nil {
		return fail(err)
	}
	defer cleanup()
	// Room for every client, whatever the model's defaults.
	srv, err := m.New(svc, netlab.Config{MaxConns: conns + 16, Logger: flags.Logger}, flags)
	if err != nil {
		return fail(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		srv.Close()
		return fail(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
		<-served
	}()
	rctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	res, err := sw.run(rctx, l.Addr().String(), conns)
	if err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return fail(err)
	}
	r.rate = sw.rate(res)
	r.p50, r.p99 = res.Percentile(50), res.Percentile(99)
	switch {
	case !m.Serves(conns, flags):
		n := m.AtOnce(flags)
		r.note = fmt.Sprintf("%d %s: the other %d clients waited for one", n, cmp.Or(m.Bound, "served at once"), conns-n)
	case res.Ops == 0:
		r.note = fmt.Sprintf("nothing completed in %v: connecting the clients took the whole window (try a longer -duration)", d)
	}
	return r
}

func printTable(w io.Writer, rows []row) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "service\tmodel\tload\tthroughput\t\tp50\tp99\t")
	for _, r := range rows {
		if r.note != "" && r.rate == 0 {
			fmt.Fprintf(tw, "%s\t%s\t%s\t—\t\t—\t—\t  %s\n", r.service, r.model, r.load, r.note)
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t  %s\n", r.service, r.model, r.load,
			humanRate(r.rate), r.unit, roundLatency(r.p50), roundLatency(r.p99), r.note)
	}
	tw.Flush()
}

func humanRate(v float64) string {
	switch {
	case v >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	default:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
}

func roundLatency(d time.Duration) string {
	switch {
	case d >= time.Second:
		return d.Round(10 * time.Millisecond).String()
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond).String()
	default:
		return d.Round(time.Microsecond).String()
	}
}

func sweepServices() []string {
	var names []string
	for _, s := range sweeps {
		names = append(names, s.service)
	}
	return names
}

func splitList(s string) []string {
	var out []string
	for f := range strings.SplitSeq(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// plural writes "1 conn", "50 conns".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
