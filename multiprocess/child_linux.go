package multiprocess

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"os"
	"runtime"
	"time"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/internal/blocking"
)

// envChild is the environment variable that makes a process a child, and
// carries its [childConfig] as JSON.
const envChild = "NETLAB_MULTIPROCESS_CHILD"

// The descriptors a child inherits. exec.Cmd.ExtraFiles[i] becomes fd 3+i
// in the child: 0, 1 and 2 are standard input, output and error.
const (
	fdSocket  = 3 // the connection, or the listener when preforked
	fdControl = 4 // the model's own socketpair to the parent
	fdLink    = 5 // the service's socketpair to the parent's instance (Relayers only)
)

// childConfig is everything a child needs to know, sent in its environment.
type childConfig struct {
	Spec        Spec
	Prefork     bool          // fdSocket is a listener
	Link        bool          // fdLink is open
	IdleTimeout time.Duration // with the service's default already applied
	MaxPending  int
	LogLevel    slog.Level
	Wrap        Wrap // applied to the service before it serves anything
	MaxProcs    int  // the child's GOMAXPROCS; 0 leaves the runtime's choice
}

// IsChild reports whether this process was started by a multiprocess
// [Server] to serve connections. A program that uses the model calls it
// first thing in main (and a test binary in TestMain), before it parses
// flags or does anything else, and hands over to [RunChild]:
//
//	func main() {
//		if multiprocess.IsChild() {
//			os.Exit(multiprocess.RunChild())
//		}
//		…
//	}
//
// This is Go's stand-in for fork(2): the child is the same program, run
// again from the top, and this branch is where it parts from the parent.
func IsChild() bool {
	_, ok := os.LookupEnv(envChild)
	return ok
}

// RunChild serves what the parent handed this process — one connection, or
// a share of the listener's — with the service its [Spec] names, until the
// work is done or the parent says to stop, and returns the process's exit
// status: 0 when all went well, 2 when the child could not start. A session
// that crashes the whole process (os.Exit, a panic on a goroutine of its
// own) ends the child with another status, which the parent counts in
// [netlab.Stats.Panics].
func RunChild() int {
	if err := runChild(); err != nil {
		fmt.Fprintf(os.Stderr, "netlab multiprocess child %d: %v\n", os.Getpid(), err)
		return 2
	}
	return 0
}

func runChild() error {
	var cfg childConfig
	if err := json.Unmarshal([]byte(os.Getenv(envChild)), &cfg); err != nil {
		return fmt.Errorf("read %s: %w", envChild, err)
	}
	// Whatever this process might start is not a child of ours.
	os.Unsetenv(envChild)
	if cfg.MaxProcs > 0 {
		runtime.GOMAXPROCS(cfg.MaxProcs)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: cfg.LogLevel})).
		With("child", os.Getpid())

	ctlConn, err := inherited(fdControl, "control")
	if err != nil {
		return err
	}
	ctl := newControl(ctlConn)
	env := Env{Logger: log}
	if cfg.Link {
		link, err := inherited(fdLink, "link")
		if err != nil {
			return err
		}
		env.Link = link
	}
	svc, err := build(cfg.Spec, env)
	if err != nil {
		return err
	}
	wrapped, err := wrap(cfg.Wrap, svc, Env{Logger: log})
	if err != nil {
		return err
	}
	e := blocking.NewEngine(reporting(wrapped, ctl), netlab.Config{
		IdleTimeout: cfg.IdleTimeout,
		MaxPending:  cfg.MaxPending,
		MaxConns:    1 << 30, // the parent keeps the server's limit
		Logger:      log,
	})
	// The parent says "shutdown" for a graceful stop; its end closing means
	// it is gone (or gave up on us), and we stop at once.
	ctl.onShutdown = func() {
		log.Debug("the parent asked to shut down: finishing the connections in flight")
		go e.Shutdown(context.Background())
	}
	ctl.onLost = func() { go e.Close() }

	f := os.NewFile(fdSocket, "socket")
	defer f.Close()
	if cfg.Prefork {
		l, err := net.FileListener(f)
		if err != nil {
			return fmt.Errorf("inherited listener: %w", err)
		}
		f.Close()
		go ctl.read()
		serveListener(e, l, ctl)
	} else {
		nc, err := net.FileConn(f)
		if err != nil {
			return fmt.Errorf("inherited connection: %w", err)
		}
		f.Close()
		c := e.Admit(nc)
		go ctl.read()
		if c != nil {
			c.Serve()
		}
	}
	// Lets every connection finish (after "shutdown"), or returns at once
	// (after Close, or when there is nothing left).
	e.Shutdown(context.Background())
	// The wrapper's Close (a log file) after the service's, which may
	// still say something as it closes.
	closing := []netlab.Service{svc}
	if cfg.Wrap.Wrapper != "" {
		closing = append(closing, wrapped)
	}
	for _, s := range closing {
		if c, ok := s.(interface{ Close() error }); ok {
			c.Close()
		}
	}
	ctlConn.Close()
	return nil
}

// serveListener is perconn's accept loop, with one step more: before it
// admits a connection it asks the parent, which keeps the count for every
// child, whether the server has room for it.
func serveListener(e *blocking.Engine, l net.Listener, ctl *control) {
	if err := e.Listen(l); err != nil {
		return
	}
	defer e.Unlisten(l)
	for {
		nc, err := e.Accept(l)
		if err != nil {
			return
		}
		room, ok := ctl.mayOpen()
		switch {
		case !ok: // the parent is gone
			nc.Close()
			return
		case !room:
			e.Refuse(nc)
			continue
		}
		c := e.Admit(nc)
		if c == nil {
			ctl.closed()
			continue
		}
		go func() {
			c.Serve()
			ctl.closed()
		}()
	}
}

// inherited returns the socket at fd as a net.Conn. net.FileConn works on a
// duplicate, so the original is closed.
func inherited(fd uintptr, name string) (net.Conn, error) {
	f := os.NewFile(fd, name)
	if f == nil {
		return nil, fmt.Errorf("no %s socket at fd %d: was this process started by a multiprocess server?", name, fd)
	}
	defer f.Close()
	c, err := net.FileConn(f)
	if err != nil {
		return nil, fmt.Errorf("inherited %s socket: %w", name, err)
	}
	return c, nil
}
