package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/chat"
	"github.com/netlab-go/netlab/filesrv"
	"github.com/netlab-go/netlab/internal/models"
	"github.com/netlab-go/netlab/pool"
)

// serveOptions is the serve command line, as docs/protocols.md specifies it.
type serveOptions struct {
	model, service, addr string
	root                 string
	workers              int
	overflow             pool.Overflow
	loops, procs         int
	idleTimeout          time.Duration
	maxConns             int
	maxPending           byteSize
	maxUpload            byteSize
	udpAddr, webAddr     string
	logFile              string
	verbose              bool
}

// modelFlags returns what the tables of models and services build from.
func (o *serveOptions) modelFlags() models.Flags {
	return models.Flags{
		Workers:   o.workers,
		Overflow:  o.overflow,
		Loops:     o.eventLoops(),
		Procs:     o.procs,
		Root:      o.root,
		MaxUpload: int64(o.maxUpload),
	}
}

// eventLoops is -loops, or by default one per CPU the scheduler may use,
// as docs/protocols.md fixes the command line. (The eventloop package's
// own default is one fewer, which costs less CPU per request where the
// loops would otherwise hold every processor; docs/engines.md measures
// both, and -loops picks either.)
func (o *serveOptions) eventLoops() int {
	if o.loops == 0 {
		return runtime.GOMAXPROCS(0)
	}
	return o.loops
}

func (o *serveOptions) flagSet(stderr io.Writer) *flag.FlagSet {
	fs := newFlagSet("serve", stderr)
	fs.StringVar(&o.model, "model", "", "the concurrency `MODEL`: "+strings.Join(models.Names(), ", "))
	fs.StringVar(&o.service, "service", "", "the `SERVICE`: "+strings.Join(models.ServiceNames(), ", "))
	fs.StringVar(&o.addr, "addr", "", "listen on `HOST:PORT` (port 0 picks a free one; default 127.0.0.1 and the service's port: "+servicePorts()+")")
	fs.StringVar(&o.root, "root", "", "files: the folder `DIR` served, which must exist (default: a folder under the user's cache dir)")
	fs.IntVar(&o.workers, "workers", pool.DefaultWorkers, "pool: `N` sessions served at once")
	fs.Var(&o.overflow, "overflow", "pool: what the N+1st client gets, `wait|reject` (default wait)")
	fs.IntVar(&o.loops, "loops", 0, "eventloop: `N` event loops (default: number of CPUs)")
	fs.IntVar(&o.procs, "procs", 0, "multiprocess: `N` preforked children; 0 = a child per connection")
	fs.DurationVar(&o.idleTimeout, "idle-timeout", 0, fmt.Sprintf("close a connection that sends nothing for `D` (default %v, chat %v)", netlab.DefaultIdleTimeout, chat.DefaultIdleTimeout))
	fs.IntVar(&o.maxConns, "max-conns", netlab.DefaultMaxConns, "beyond `N` open connections, answer busy and close")
	o.maxPending = netlab.DefaultMaxPending
	fs.Var(&o.maxPending, "max-pending", "a client's queued output, a `SIZE` like 64KiB, before it is dropped")
	o.maxUpload = filesrv.DefaultMaxUpload
	fs.Var(&o.maxUpload, "max-upload", "files: the largest PUT, a `SIZE` like 4GiB")
	fs.StringVar(&o.udpAddr, "udp", "", "also serve over UDP on `HOST:PORT` ("+strings.Join(serviceNamesWhere(func(s models.Service) bool { return s.UDP }), ", ")+")")
	fs.StringVar(&o.webAddr, "web", "", "also serve the browser page and its WebSocket on `HOST:PORT` ("+strings.Join(serviceNamesWhere(func(s models.Service) bool { return s.Web }), ", ")+")")
	fs.StringVar(&o.logFile, "log", "", "append a line per event to `FILE`: time, peer, open/recv/send/close and each line's text")
	fs.BoolVar(&o.verbose, "v", false, "print every line received and sent on standard error too")
	return fs
}

func runServe(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	o := &serveOptions{}
	fs := o.flagSet(stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	m, se, err := o.check(fs)
	if err != nil {
		return err
	}
	logs, err := openLogs(o.logFile, o.verbose, stderr)
	if err != nil {
		return err
	}
	defer logs.Close()

	flags := o.modelFlags()
	flags.Logger, flags.Say = logs.server, stderr
	svc, cleanup, err := se.New(flags)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	defer cleanup()
	if m.OwnService {
		// The sessions run in the children, which log them themselves.
		if flags.Wrap, err = childLog(o, se); err != nil {
			return err
		}
	} else {
		svc = logTraffic(svc, se, logs.traffic)
	}
	cfg := netlab.Config{
		IdleTimeout: o.idleTimeout,
		MaxConns:    o.maxConns,
		MaxPending:  int(o.maxPending),
		Logger:      logs.server,
	}
	ts, err := listen(o, m, se, svc, cfg, flags)
	if err != nil {
		return err
	}
	// Scripts wait for the first line; it is printed only once every socket
	// is listening, so a client that connects right after it is queued.
	for _, t := range ts {
		fmt.Fprintln(stdout, t.banner)
	}
	logs.server.Info("serving", "model", m.Name, "service", se.Name, "addr", ts[0].addr)
	return serveUntil(ctx, ts, logs)
}

// check validates the command line against the tables: required flags,
// known names, and no flag that the chosen model or service does not read.
func (o *serveOptions) check(fs *flag.FlagSet) (models.Model, models.Service, error) {
	if fs.NArg() > 0 {
		return models.Model{}, models.Service{}, usagef("serve: unexpected argument %q", fs.Arg(0))
	}
	if o.model == "" || o.service == "" {
		return models.Model{}, models.Service{}, usagef("serve: -model and -service are required; run 'netlab help serve'")
	}
	m, err := models.Lookup(o.model)
	if err != nil {
		return m, models.Service{}, oneOf("model", o.model, models.Names())
	}
	se, err := models.LookupService(o.service)
	if err != nil {
		return m, se, oneOf("service", o.service, models.ServiceNames())
	}
	if o.addr == "" {
		o.addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(se.Port))
	}
	var problems []error
	fs.Visit(func(f *flag.Flag) {
		if err := o.checkFlag(f.Name, m, se); err != nil {
			problems = append(problems, err)
		}
	})
	if err := errors.Join(problems...); err != nil {
		return m, se, usageError{err}
	}
	return m, se, nil
}

// checkFlag says what is wrong with the flag called name, given with
// model m and service se, or nil.
func (o *serveOptions) checkFlag(name string, m models.Model, se models.Service) error {
	switch {
	case slices.Contains(modelFlagNames(), name) && !slices.Contains(m.Flags, name):
		return fmt.Errorf("serve: -%s is not read by -model %s (only by %s)", name, m.Name, strings.Join(modelsReading(name), ", "))
	case slices.Contains(serviceFlagNames(), name) && !slices.Contains(se.Flags, name):
		return fmt.Errorf("serve: -%s is not read by -service %s", name, se.Name)
	case name == "udp" && !se.UDP, name == "web" && !se.Web:
		return fmt.Errorf("serve: -service %s is not served over -%s: it is for %s", se.Name, name,
			strings.Join(serviceNamesWhere(func(s models.Service) bool { return name == "udp" && s.UDP || name == "web" && s.Web }), ", "))
	case (name == "udp" || name == "web") && m.OwnService:
		return fmt.Errorf("serve: -%s with -model %s: its children build their own %s, which a second transport in this process could not share; use another model", name, m.Name, se.Name)
	}
	if least, ok := o.atLeast()[name]; ok && least.value < least.min {
		return fmt.Errorf("serve: -%s must be at least %d", name, least.min)
	}
	return nil
}

// atLeast returns the numeric flags' values and the least each may be.
func (o *serveOptions) atLeast() map[string]struct{ value, min int64 } {
	return map[string]struct{ value, min int64 }{
		"workers":     {int64(o.workers), 1},
		"loops":       {int64(o.loops), 0},
		"procs":       {int64(o.procs), 0},
		"max-conns":   {int64(o.maxConns), 1},
		"max-pending": {int64(o.maxPending), 1},
		"max-upload":  {int64(o.maxUpload), 1},
	}
}

// modelFlagNames returns every flag some model alone reads.
func modelFlagNames() []string {
	var names []string
	for _, m := range models.All {
		names = append(names, m.Flags...)
	}
	return names
}

// modelsReading returns the models that read the flag called name.
func modelsReading(name string) []string {
	var names []string
	for _, m := range models.All {
		if slices.Contains(m.Flags, name) {
			names = append(names, m.Name)
		}
	}
	return names
}

// serviceFlagNames returns every flag some service alone reads.
func serviceFlagNames() []string {
	var names []string
	for _, s := range models.Services {
		names = append(names, s.Flags...)
	}
	return names
}

// serviceNamesWhere returns the names of the services for which ok holds.
func serviceNamesWhere(ok func(models.Service) bool) []string {
	var names []string
	for _, s := range models.Services {
		if ok(s) {
			names = append(names, s.Name)
		}
	}
	return names
}

// servicePorts lists each service's port, for the help text.
func servicePorts() string {
	var ports []string
	for _, s := range models.Services {
		ports = append(ports, fmt.Sprintf("%s %d", s.Name, s.Port))
	}
	return strings.Join(ports, ", ")
}
