package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/internal/models"
	"github.com/netlab-go/netlab/internal/procserver"
	"github.com/netlab-go/netlab/internal/results"
	"github.com/netlab-go/netlab/internal/workload"
)

// A sweep is how compare measures one service: the loads it sweeps, each
// on a fresh server.
type sweep struct {
	service string // its name in the table of services and in workload.Spec
	loads   []int  // clients at once
	noun    string // what one client is, for the load's label
	size    int    // workload.Spec.Size; 0 means the workload's default
	// requests is each client's number of requests where a model serves
	// fewer clients at once than the load: a client that is done leaves,
	// so the ones queued behind it get their turn within the window, as
	// the course's "N threads × M iterations" clients do.
	requests int
}

// sweeps lists what compare measures, in the order the table prints it.
// Chat's rate is deliveries (one line reaching one member) per second, and
// a room needs two members to deliver anything, so its loads start at 2.
var sweeps = []sweep{
	{service: workload.ServiceEcho, loads: []int{1, 50, 500}, noun: "client", requests: 200},
	{service: workload.ServiceChat, loads: []int{2, 50, 500}, noun: "client", requests: 20},
	{service: workload.ServiceFiles, loads: []int{1, 8}, noun: "download", size: compareFileSize, requests: 4},
}

// compareFileSize is the file the files sweep downloads: large enough that
// a download is mostly transfer, small enough that a window holds several.
const compareFileSize = 8 << 20

// idleClients is how many silent clients the idle sweep holds: the most
// models.Model.MaxClients lets a multiprocess server be given, so that
// every model is measured with the same number.
const idleClients = 100

// A planned is one cell to measure.
type planned struct {
	sw      sweep
	model   models.Model
	clients int
	idle    bool
}

func (p planned) label() string {
	if p.idle {
		return fmt.Sprintf("%d idle clients", p.clients)
	}
	return plural(p.clients, p.sw.noun)
}

func (p planned) String() string {
	return fmt.Sprintf("%s %s %s", p.sw.service, p.model.Name, p.label())
}

// A comparer measures cells, each against a server of its own.
type comparer struct {
	o     *compareOptions
	self  []string // the command line that runs this program, before "serve"
	env   []string // the children's environment; nil means ours
	root  string   // the files sweep's folder, with the file to download
	flags models.Flags
}

// selfCommand returns the command line and environment that run this
// program again, for a child `netlab serve`. Tests replace it: their
// binary is the test executable, which runs main only when asked to.
var selfCommand = func() ([]string, []string, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, nil, fmt.Errorf("compare: find this program to run its servers: %w", err)
	}
	return []string{exe}, nil, nil
}

func newComparer(o *compareOptions) (*comparer, error) {
	c := &comparer{o: o, flags: models.Flags{Logger: slog.New(slog.DiscardHandler)}}
	var err error
	if !o.inProcess {
		if c.self, c.env, err = selfCommand(); err != nil {
			return nil, err
		}
	}
	for _, sw := range o.sweeps {
		if sw.service != workload.ServiceFiles {
			continue
		}
		if c.root, err = os.MkdirTemp("", "netlab-compare-files-"); err != nil {
			return nil, fmt.Errorf("compare: the files sweep's folder: %w", err)
		}
		if _, err := workload.PrepareFile(c.root, int64(sw.size)); err != nil {
			c.cleanup()
			return nil, fmt.Errorf("compare: %w", err)
		}
		c.flags.Root = c.root
	}
	return c, nil
}

func (c *comparer) cleanup() {
	if c.root != "" {
		os.RemoveAll(c.root)
	}
}

// plan lists the cells in the order the table prints them: by service,
// then load, then model; the idle sweep last.
func (c *comparer) plan() []planned {
	var ps []planned
	for _, sw := range c.o.sweeps {
		for _, n := range sw.loads {
			for _, m := range c.o.models {
				ps = append(ps, planned{sw: sw, model: m, clients: n})
			}
		}
	}
	if c.o.idle {
		idle := sweep{service: workload.ServiceEcho, noun: "client"}
		for _, m := range c.o.models {
			ps = append(ps, planned{sw: idle, model: m, clients: idleClients, idle: true})
		}
	}
	return ps
}

// bounded reports whether p's model serves fewer clients at once than p
// has.
func (c *comparer) bounded(p planned) bool { return !p.model.Serves(p.clients, c.flags) }

// measure runs one cell: a fresh server, the load, the server stopped.
// Whatever goes wrong is the cell's note, never a zero.
func (c *comparer) measure(ctx context.Context, p planned) results.Cell {
	skip := func(why string) results.Cell {
		cell := results.Skipped(p.model.Name, p.sw.service, p.label(), p.clients, why)
		cell.Idle, cell.InProcess = p.idle, c.o.inProcess
		return cell
	}
	srv, err := c.start(ctx, p)
	if err != nil {
		return skip(err.Error())
	}
	if p.idle {
		cell, err := c.measureIdle(ctx, p, srv)
		if stopErr := srv.stop(); err == nil && stopErr != nil {
			err = stopErr
		}
		if err != nil {
			return skip(err.Error())
		}
		return cell
	}
	spec := workload.Spec{
		Addr:           srv.addr,
		Service:        p.sw.service,
		Clients:        p.clients,
		Duration:       c.o.duration,
		Size:           p.sw.size,
		ConnectTimeout: c.connectTimeout(p),
		OnWindow:       srv.onWindow,
	}
	if c.bounded(p) {
		spec.Requests = p.sw.requests
	} else {
		// A model that takes every client is measured serving them all
		// (multiprocess forks a child per client as it comes), not
		// accepting them.
		spec.Greet = true
	}
	rep, err := workload.Load(ctx, spec)
	stopErr := srv.stop()
	if rep == nil {
		return skip(err.Error())
	}
	var usage *procserver.Usage
	var windowErr error
	if srv.meas != nil {
		var u procserver.Usage
		if u, windowErr = srv.meas.Usage(); windowErr == nil {
			usage = &u
		}
	}
	cell := results.Measured(p.model.Name, p.label(), rep, usage)
	cell.Note = c.note(p, rep, err, cmpErr(windowErr, stopErr))
	if usage != nil && usage.MaxProcs > 1 {
		cell.Note = joinNotes(append(splitNote(cell.Note), fmt.Sprintf("peak RSS sums %d processes, a page they share once in each", usage.MaxProcs)))
	}
	return cell
}

// cmpErr returns the first error that is not nil.
func cmpErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// connectTimeout bounds a cell's connect phase: short where the model
// will not accept every client (the rest would only wait out the bound),
// long for multiprocess, which forks a process per client.
func (c *comparer) connectTimeout(p planned) time.Duration {
	switch {
	case c.bounded(p):
		return time.Second
	case p.model.MaxClients > 0:
		return 30 * time.Second
	}
	return 10 * time.Second
}

// note says what to keep in mind reading a measured row.
func (c *comparer) note(p planned, rep *workload.Report, loadErr, srvErr error) string {
	var notes []string
	if c.bounded(p) {
		at := p.model.AtOnce(c.flags)
		what := "serves one client at a time"
		if at > 1 {
			what = fmt.Sprintf("%d %s serve at once", at, p.model.Bound)
		}
		if p.sw.service == workload.ServiceChat {
			notes = append(notes, fmt.Sprintf("%s: the room held the %d welcomed", what, rep.Connected))
		} else {
			notes = append(notes, fmt.Sprintf("%s; each client makes %d requests and leaves", what, p.sw.requests))
		}
	}
	if n := rep.NotServed(); n > 0 {
		notes = append(notes, fmt.Sprintf("%d of %d clients got no reply in the window", n, p.clients))
	}
	if rep.Connected < p.clients && p.sw.service != workload.ServiceChat {
		notes = append(notes, fmt.Sprintf("%d connected within %v", rep.Connected, rep.Spec.ConnectTimeout))
	}
	if rep.Errors > 0 {
		notes = append(notes, fmt.Sprintf("%d errors: %s", rep.Errors, firstErr(rep)))
	}
	if loadErr != nil {
		notes = append(notes, "load: "+loadErr.Error())
	}
	if srvErr != nil {
		notes = append(notes, "server: "+srvErr.Error())
	}
	if rep.Requests == 0 && len(notes) == 0 {
		notes = append(notes, fmt.Sprintf("nothing answered in the %v window", c.o.duration))
	}
	return joinNotes(notes)
}

func firstErr(rep *workload.Report) string {
	for _, st := range rep.PerClient {
		if st.Err != nil && st.Connected {
			return st.Err.Error()
		}
	}
	return "unknown"
}

func splitNote(note string) []string {
	if note == "" {
		return nil
	}
	return []string{note}
}

func joinNotes(notes []string) string { return strings.Join(notes, "; ") }

// measureIdle holds idle clients against srv and returns the memory each
// added to the server: its resident size after [workload.Hold] returned,
// less its size before, over the clients it served.
func (c *comparer) measureIdle(ctx context.Context, p planned, srv *cellServer) (results.Cell, error) {
	cell := results.Cell{Model: p.model.Name, Service: p.sw.service, Load: p.label(), Clients: p.clients, Idle: true, InProcess: srv.proc == nil}
	if srv.proc == nil {
		cell.Note = "in-process: the server's memory cannot be told from the load generator's"
		return cell, nil
	}
	// Proportional set sizes, so that the pages a multiprocess server's
	// children share with it count once, not once per child.
	before, err := srv.proc.Proportional()
	if err != nil {
		return cell, err
	}
	held, err := workload.Hold(ctx, workload.Spec{Addr: srv.addr, Service: p.sw.service, Clients: p.clients, ConnectTimeout: c.connectTimeout(p)})
	if err != nil {
		return cell, err
	}
	defer held.Close()
	after, err := srv.proc.Proportional()
	if err != nil {
		return cell, err
	}
	smp, err := srv.proc.Sample()
	if err != nil {
		return cell, err
	}
	cell.IdleBytesPerConn = results.PerConn(before, after, held.Connected)
	cell.PeakRSSBytes = &smp.RSS
	cell.Served, cell.NotServed = held.Connected, p.clients-held.Connected
	if held.Connected < p.clients {
		cell.Note = fmt.Sprintf("only %d of %d clients were served within %v: the figure is per served client", held.Connected, p.clients, c.connectTimeout(p))
	}
	return cell, nil
}

// A cellServer is the server of one cell: a child process, or with
// -inprocess a server in this process.
type cellServer struct {
	addr string
	proc *procserver.Server      // nil in-process
	meas *procserver.Measurement // proc over exactly the load's window; nil in-process
	stop func() error
}

// onWindow is workload.Spec.OnWindow.
func (s *cellServer) onWindow() func() {
	if s.meas == nil {
		return nil
	}
	return s.meas.OnWindow()
}

// start starts p's server with every flag at its default but the room
// for p's clients.
func (c *comparer) start(ctx context.Context, p planned) (*cellServer, error) {
	maxConns := p.clients + 16
	if c.o.inProcess {
		return c.startInProcess(p, maxConns)
	}
	argv := append(append([]string(nil), c.self...), "serve", "-model", p.model.Name, "-service", p.sw.service,
		"-addr", "127.0.0.1:0", "-max-conns", strconv.Itoa(maxConns))
	if p.sw.service == workload.ServiceFiles {
		argv = append(argv, "-root", c.root)
	}
	proc, err := procserver.Start(ctx, argv, procserver.Options{Env: c.env})
	if err != nil {
		return nil, err
	}
	return &cellServer{addr: proc.Addr, proc: proc, meas: proc.Measure(), stop: proc.Stop}, nil
}

func (c *comparer) startInProcess(p planned, maxConns int) (*cellServer, error) {
	se, err := models.LookupService(p.sw.service)
	if err != nil {
		return nil, err
	}
	svc, cleanup, err := se.New(c.flags)
	if err != nil {
		return nil, err
	}
	srv, err := p.model.New(svc, netlab.Config{MaxConns: maxConns, Logger: c.flags.Logger}, c.flags)
	if err != nil {
		cleanup()
		return nil, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		srv.Close()
		cleanup()
		return nil, fmt.Errorf("compare: %w", err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	stop := func() error {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err := srv.Shutdown(sctx)
		if serr := <-served; !errors.Is(serr, netlab.ErrServerClosed) && err == nil {
			err = serr
		}
		cleanup()
		return err
	}
	return &cellServer{addr: l.Addr().String(), stop: stop}, nil
}
