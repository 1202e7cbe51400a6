package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/netlab-go/netlab/internal/models"
	"github.com/netlab-go/netlab/internal/results"
)

// compareOptions is the compare command line, checked.
type compareOptions struct {
	sweeps    []sweep
	models    []models.Model
	duration  time.Duration
	idle      bool // run the idle sweep
	inProcess bool // servers inside this process, as a distorted quick look

	outDir, jsonPath, csvPath, svgPath string
}

// parseCompare reads and checks compare's flags. Everything a run could
// fail on late (a bad duration, a file it cannot write) fails here, before
// the first server starts.
func parseCompare(args []string, stderr io.Writer) (*compareOptions, error) {
	o := &compareOptions{}
	fs := newFlagSet("compare", stderr)
	servicesFlag := fs.String("services", strings.Join(sweepServices(), ","), "services to measure, comma-separated")
	modelsFlag := fs.String("models", strings.Join(models.Names(), ","), "models to measure, comma-separated")
	clientsFlag := fs.String("clients", "", "the loads to sweep, clients at once, comma-separated (default: each service's own, such as 1,50,500 for echo)")
	fs.DurationVar(&o.duration, "duration", 800*time.Millisecond, "the measured window of each cell (connecting the clients comes before it)")
	fs.BoolVar(&o.idle, "idle", true, "also measure the memory each idle connection costs")
	fs.BoolVar(&o.inProcess, "inprocess", false, "run the servers inside this process: quicker, but the load generator and the server share the CPUs and the heap, which distorts the comparison and hides CPU and memory")
	fs.StringVar(&o.outDir, "out", "", "write every chart (SVG and PNG) and results.json into this folder")
	fs.StringVar(&o.jsonPath, "json", "", "write the results, with units and the machine, as JSON to this file")
	fs.StringVar(&o.csvPath, "csv", "", "write the results as CSV to this file, a row as each cell finishes")
	fs.StringVar(&o.svgPath, "svg", "", "write the throughput charts, one per service, stacked in one SVG file")
	fs.Usage = func() {
		c := lookup("compare")
		fmt.Fprintf(stderr, "Usage: netlab %s\n\n%s\n\n", c.usage, c.short)
		fmt.Fprintln(stderr, "Every cell starts its own server as a child process (`netlab serve`), drives it from")
		fmt.Fprintln(stderr, "this process and reads the child's CPU time and memory from /proc. To drive a server")
		fmt.Fprintln(stderr, "that is already running (compare's old -addr), use `netlab load -addr HOST:PORT`.")
		fmt.Fprintln(stderr, "\nFlags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("compare: unexpected argument %q (flags only; see netlab help compare)", fs.Arg(0))
	}
	if o.duration <= 0 {
		return nil, fmt.Errorf("compare: -duration %v: want a positive window, such as 800ms", o.duration)
	}
	for _, name := range splitList(*servicesFlag) {
		i := slices.IndexFunc(sweeps, func(s sweep) bool { return s.service == name })
		if i < 0 {
			return nil, oneOf("services", name, sweepServices())
		}
		o.sweeps = append(o.sweeps, sweeps[i])
	}
	if *clientsFlag != "" {
		var loads []int
		for _, f := range splitList(*clientsFlag) {
			n, err := strconv.Atoi(f)
			if err != nil || n < 1 {
				return nil, fmt.Errorf("compare: -clients %q: want positive whole numbers, such as 1,50,500", f)
			}
			loads = append(loads, n)
		}
		for i := range o.sweeps {
			if o.sweeps[i].service == "chat" && slices.Min(loads) < 2 {
				return nil, fmt.Errorf("compare: -clients %s: a chat room needs at least 2 clients to deliver anything", *clientsFlag)
			}
			o.sweeps[i].loads = loads
		}
	}
	for _, name := range splitList(*modelsFlag) {
		m, err := models.Lookup(name)
		if err != nil {
			return nil, oneOf("models", name, models.Names())
		}
		o.models = append(o.models, m)
	}
	if len(o.models) == 0 || (len(o.sweeps) == 0 && !o.idle) {
		return nil, errors.New("compare: nothing to measure: name at least one model and one service (or keep -idle)")
	}
	return o, nil
}

// outputs are the files a run writes, opened before it starts so that an
// unwritable path fails at once rather than after a minute of measuring.
type outputs struct {
	json, csv, svg *os.File
	csvw           *results.CSVWriter
	dir            string
}

func openOutputs(o *compareOptions, m results.Machine) (*outputs, error) {
	out := &outputs{dir: o.outDir}
	fail := func(err error) (*outputs, error) { out.close(); return nil, err }
	create := func(flagName, path string) (*os.File, error) {
		if path == "" {
			return nil, nil
		}
		f, err := os.Create(path)
		if err != nil {
			return nil, fmt.Errorf("compare: -%s: %w", flagName, err)
		}
		return f, nil
	}
	var err error
	if o.outDir != "" {
		if err := os.MkdirAll(o.outDir, 0o755); err != nil {
			return fail(fmt.Errorf("compare: -out: %w", err))
		}
		if o.jsonPath == "" {
			o.jsonPath = filepath.Join(o.outDir, "results.json")
		}
	}
	if out.json, err = create("json", o.jsonPath); err != nil {
		return fail(err)
	}
	if out.csv, err = create("csv", o.csvPath); err != nil {
		return fail(err)
	}
	if out.svg, err = create("svg", o.svgPath); err != nil {
		return fail(err)
	}
	if out.csv != nil {
		if out.csvw, err = results.NewCSV(out.csv, m); err != nil {
			return fail(fmt.Errorf("compare: -csv: %w", err))
		}
	}
	return out, nil
}

func (out *outputs) close() {
	for _, f := range []*os.File{out.json, out.csv, out.svg} {
		if f != nil {
			f.Close()
		}
	}
}

func runCompare(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	o, err := parseCompare(args, stderr)
	if err != nil {
		return err
	}
	run := results.Run{Machine: results.ThisMachine()}
	out, err := openOutputs(o, run.Machine)
	if err != nil {
		return err
	}
	defer out.close()
	c, err := newComparer(o)
	if err != nil {
		return err
	}
	defer c.cleanup()

	plan := c.plan()
	where := "each server in a process of its own (CPU and memory read from /proc)"
	if o.inProcess {
		where = "every server INSIDE this process (-inprocess: the load generator competes with it; no CPU or memory figures)"
	}
	fmt.Fprintf(stdout, "netlab compare: %d cells, %v window each, %s.\n", len(plan), o.duration, where)
	fmt.Fprintf(stdout, "Machine: %s, %d cores, %s, %s, %s.\n", run.Machine.CPU, run.Machine.Cores, run.Machine.Kernel, run.Machine.GoVersion, run.Machine.Date.Format(time.DateTime+" MST"))
	fmt.Fprintln(stdout, "Compare models by their ratios within one run; absolute numbers depend on the machine and its load.")
	fmt.Fprintln(stdout)

	live := newLiveTable(stdout, terminal(stderr), len(plan))
	live.header()
	stopTicker := live.tick(250 * time.Millisecond)
	var stopped error
	for k, p := range plan {
		if ctx.Err() != nil {
			stopped = ctx.Err()
			break
		}
		live.begin(k, p.String())
		cell := c.measure(ctx, p)
		if ctx.Err() != nil {
			// A cell cut short by the interrupt is not a measurement.
			stopped = ctx.Err()
			break
		}
		run.Cells = append(run.Cells, cell)
		live.row(cell)
		if out.csvw != nil {
			if err := out.csvw.Write(cell); err != nil {
				stopTicker()
				return fmt.Errorf("compare: -csv: %w", err)
			}
		}
	}
	stopTicker()
	if stopped != nil {
		run.Stopped = fmt.Sprintf("interrupted after %d of %d cells", len(run.Cells), len(plan))
		fmt.Fprintf(stdout, "\nStopped: %s; the rows above are all that was measured.\n", run.Stopped)
	}
	if err := writeOutputs(stdout, out, run); err != nil {
		return err
	}
	if stopped != nil {
		return fmt.Errorf("compare: %s: %w", run.Stopped, stopped)
	}
	return nil
}

// writeOutputs writes results.json and the charts, whatever the run
// measured.
func writeOutputs(stdout io.Writer, out *outputs, run results.Run) error {
	if out.json != nil {
		if err := run.WriteJSON(out.json); err != nil {
			return fmt.Errorf("compare: %w", err)
		}
		fmt.Fprintf(stdout, "results written to %s\n", out.json.Name())
	}
	if out.svg != nil {
		if err := writeStackedSVG(out.svg, run); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "chart written to %s\n", out.svg.Name())
	}
	if out.dir != "" {
		paths, err := writeCharts(out.dir, run)
		if err != nil {
			return err
		}
		for _, p := range paths {
			fmt.Fprintf(stdout, "chart written to %s\n", p)
		}
	}
	return nil
}

// terminal returns w if it is a terminal, for the progress line, and nil
// if it is a pipe or a file, where a progress line would be noise.
func terminal(w io.Writer) io.Writer {
	f, ok := w.(*os.File)
	if !ok {
		return nil
	}
	fi, err := f.Stat()
	if err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		return nil
	}
	return f
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

// plural writes "1 client", "50 clients".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
