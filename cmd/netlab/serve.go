package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"slices"
	"time"

	"github.com/netlab-go/netlab"
)

func init() {
	register(&command{
		name:  "serve",
		usage: "serve -model MODEL -service SERVICE -addr HOST:PORT [flags]",
		short: "run one server until SIGINT or SIGTERM",
		run:   runServe,
	})
}

// serveOptions is the serve command line, as docs/protocols.md specifies it.
type serveOptions struct {
	model, service, addr string
	root                 string
	workers              int
	overflow             string
	loops, procs         int
	idleTimeout          time.Duration
	maxConns             int
	maxPending           byteSize
	maxUpload            byteSize
	logFile              string

	logger *slog.Logger // built from -log
	stderr io.Writer    // where a service says what it set up (files: its root)
	closer func() error // releases what the service opened, after the server stops; may be nil
}

// A modelEntry builds a server of one model from the command line.
type modelEntry struct {
	name string
	new  func(svc netlab.Service, cfg netlab.Config, o *serveOptions) (netlab.Server, error)
}

// A serviceEntry builds one service from the command line.
type serviceEntry struct {
	name string
	new  func(o *serveOptions) (netlab.Service, error)
}

// modelList and serviceList are what serve and compare can run, in the order
// the docs teach them. Each model's and service's entry is in models.go and
// services.go.
var (
	modelList   []modelEntry
	serviceList []serviceEntry
)

func modelNames() []string {
	var names []string
	for _, m := range modelList {
		names = append(names, m.name)
	}
	return names
}

func serviceNames() []string {
	var names []string
	for _, s := range serviceList {
		names = append(names, s.name)
	}
	return names
}

func findModel(name string) (modelEntry, bool) {
	i := slices.IndexFunc(modelList, func(m modelEntry) bool { return m.name == name })
	if i < 0 {
		return modelEntry{}, false
	}
	return modelList[i], true
}

func findService(name string) (serviceEntry, bool) {
	i := slices.IndexFunc(serviceList, func(s serviceEntry) bool { return s.name == name })
	if i < 0 {
		return serviceEntry{}, false
	}
	return serviceList[i], true
}

func runServe(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	o := &serveOptions{maxPending: netlab.DefaultMaxPending, maxUpload: 4 << 30, stderr: stderr}
	fs := newFlagSet(commands["serve"], stderr)
	fs.StringVar(&o.model, "model", "", "concurrency model: iterative, perconn, pool, eventloop, multiprocess")
	fs.StringVar(&o.service, "service", "", "service: echo, chat, files")
	fs.StringVar(&o.addr, "addr", "", "address to listen on, HOST:PORT (port 0 picks a free one)")
	fs.StringVar(&o.root, "root", "", "files: the folder served (default: a folder under the user's cache dir)")
	fs.IntVar(&o.workers, "workers", 64, "pool: sessions served at once")
	fs.StringVar(&o.overflow, "overflow", "wait", "pool: what the N+1st client gets: wait or reject")
	fs.IntVar(&o.loops, "loops", 0, "eventloop: event loops (default: number of CPUs)")
	fs.IntVar(&o.procs, "procs", 0, "multiprocess: preforked children; 0 = a child per connection")
	fs.DurationVar(&o.idleTimeout, "idle-timeout", 0, "close a connection that sends nothing for this long (default 5m, chat 30m)")
	fs.IntVar(&o.maxConns, "max-conns", netlab.DefaultMaxConns, "beyond this many open connections, answer busy and close")
	fs.Var(&o.maxPending, "max-pending", "chat: a receiver's queued output before it is dropped")
	fs.Var(&o.maxUpload, "max-upload", "files: largest PUT")
	fs.StringVar(&o.logFile, "log", "", "also write the log, with every connection's traffic at debug level, to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("serve: unexpected argument %q", fs.Arg(0))
	}
	if o.model == "" || o.service == "" || o.addr == "" {
		fs.Usage()
		return errors.New("serve: -model, -service and -addr are required")
	}
	m, ok := findModel(o.model)
	if !ok {
		return oneOf("model", o.model, modelNames())
	}
	se, ok := findService(o.service)
	if !ok {
		return oneOf("service", o.service, serviceNames())
	}
	logger, closeLog, err := newLogger(o.logFile, stderr)
	if err != nil {
		return err
	}
	defer closeLog()
	o.logger = logger

	svc, err := se.new(o)
	if err != nil {
		return err
	}
	if o.closer != nil {
		defer o.closer()
	}
	cfg := netlab.Config{
		IdleTimeout: o.idleTimeout,
		MaxConns:    o.maxConns,
		MaxPending:  int(o.maxPending),
		Logger:      logger,
	}
	srv, err := m.new(svc, cfg, o)
	if err != nil {
		return err
	}
	l, err := net.Listen("tcp", o.addr)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	// Scripts wait for this line; it is printed only once the socket is
	// listening, so a client that connects right after it is queued.
	fmt.Fprintf(stdout, "listening on %s\n", l.Addr())
	logger.Info("serving", "model", o.model, "service", o.service, "addr", l.Addr().String())

	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	select {
	case err := <-served:
		srv.Close()
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down: no new connections; waiting up to 10s for sessions to finish")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		logger.Warn("shutdown cut sessions short", "err", err)
	}
	<-served
	logger.Info("stopped")
	return nil
}

// newLogger logs at info level to stderr and, with -log, at debug level to
// the file as well: every connection, and a preview of every read and send.
func newLogger(path string, stderr io.Writer) (*slog.Logger, func(), error) {
	console := slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo})
	if path == "" {
		return slog.New(console), func() {}, nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, nil, fmt.Errorf("serve: -log: %w", err)
	}
	file := slog.NewTextHandler(f, &slog.HandlerOptions{Level: slog.LevelDebug})
	return slog.New(slog.NewMultiHandler(console, file)), func() { f.Close() }, nil
}
