package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
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
	logFile              string
}

// modelFlags returns what the tables of models and services build from.
func (o *serveOptions) modelFlags(logger *slog.Logger, say io.Writer) models.Flags {
	return models.Flags{
		Workers:   o.workers,
		Overflow:  o.overflow,
		Loops:     o.loops,
		Procs:     o.procs,
		Root:      o.root,
		MaxUpload: int64(o.maxUpload),
		Logger:    logger,
		Say:       say,
	}
}

func runServe(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	o := &serveOptions{}
	fs := newFlagSet("serve", stderr)
	fs.StringVar(&o.model, "model", "", "concurrency model: "+strings.Join(models.Names(), ", "))
	fs.StringVar(&o.service, "service", "", "service: "+strings.Join(models.ServiceNames(), ", "))
	fs.StringVar(&o.addr, "addr", "", "address to listen on, HOST:PORT (port 0 picks a free one)")
	fs.StringVar(&o.root, "root", "", "files: the folder served (default: a folder under the user's cache dir)")
	fs.IntVar(&o.workers, "workers", pool.DefaultWorkers, "pool: sessions served at once")
	fs.Var(&o.overflow, "overflow", "pool: what the N+1st client gets: wait or reject")
	fs.IntVar(&o.loops, "loops", 0, "eventloop: event loops (default: number of CPUs)")
	fs.IntVar(&o.procs, "procs", 0, "multiprocess: preforked children; 0 = a child per connection")
	fs.DurationVar(&o.idleTimeout, "idle-timeout", 0, fmt.Sprintf("close a connection that sends nothing for this long (default %v, chat %v)", netlab.DefaultIdleTimeout, chat.DefaultIdleTimeout))
	fs.IntVar(&o.maxConns, "max-conns", netlab.DefaultMaxConns, "beyond this many open connections, answer busy and close")
	o.maxPending = netlab.DefaultMaxPending
	fs.Var(&o.maxPending, "max-pending", "chat: a receiver's queued output before it is dropped")
	o.maxUpload = filesrv.DefaultMaxUpload
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
	m, err := models.Lookup(o.model)
	if err != nil {
		return oneOf("model", o.model, models.Names())
	}
	se, err := models.LookupService(o.service)
	if err != nil {
		return oneOf("service", o.service, models.ServiceNames())
	}
	logger, closeLog, err := newLogger(o.logFile, stderr)
	if err != nil {
		return err
	}
	defer closeLog()

	flags := o.modelFlags(logger, stderr)
	svc, cleanup, err := se.New(flags)
	if err != nil {
		return err
	}
	defer cleanup()
	cfg := netlab.Config{
		IdleTimeout: o.idleTimeout,
		MaxConns:    o.maxConns,
		MaxPending:  int(o.maxPending),
		Logger:      logger,
	}
	srv, err := m.New(svc, cfg, flags)
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
