package multiprocess

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
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
	e := blocking.NewEngine(reporting(svc, ctl), netlab.Config{
		IdleTimeout: cfg.IdleTimeout,
		MaxPending:  cfg.MaxPending,
		MaxConns:    1 << 30, // the parent keeps the server's limit
		Logger:      log,
	})
	// The parent says "shutdown" for a graceful stop; its end closing means
	// it is gone (or gave up on us), and we stop at once.
	ctl.onShutdown = func() { go e.Shutdown(context.Background()) }
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
	if c, ok := svc.(interface{ Close() error }); ok {
		c.Close()
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
		switch ans, _ := ctl.call("open"); ans {
		case "ok":
			c := e.Admit(nc)
			if c == nil {
				ctl.tell("close")
				continue
			}
			go func() {
				c.Serve()
				ctl.tell("close")
			}()
		case "busy":
			e.Refuse(nc)
		default: // the parent is gone
			nc.Close()
			return
		}
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

// control is a child's end of the model's socketpair. Requests carry a tag
// and wait for the parent's answer with that tag; the parent also sends
// "shutdown" unasked.
type control struct {
	conn       net.Conn
	onShutdown func()
	onLost     func()

	wmu sync.Mutex // held while a line is written

	mu      sync.Mutex
	lastTag uint64                 // guarded by mu
	waiting map[uint64]chan string // guarded by mu
	lost    bool                   // guarded by mu
}

func newControl(c net.Conn) *control {
	return &control{conn: c, waiting: make(map[uint64]chan string)}
}

// tell sends a line that needs no answer.
func (c *control) tell(msg string) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.conn.Write([]byte(msg + "\n"))
}

// call sends "TAG msg" and waits for the parent's "TAG answer". It reports
// false if the parent is gone.
func (c *control) call(msg string) (string, bool) {
	c.mu.Lock()
	if c.lost {
		c.mu.Unlock()
		return "", false
	}
	c.lastTag++
	tag := c.lastTag
	ch := make(chan string, 1)
	c.waiting[tag] = ch
	c.mu.Unlock()
	c.tell(strconv.FormatUint(tag, 10) + " " + msg)
	ans, ok := <-ch
	return ans, ok
}

// read routes the parent's lines until the socketpair closes.
func (c *control) read() {
	r := bufio.NewScanner(c.conn)
	for r.Scan() {
		first, rest, _ := strings.Cut(r.Text(), " ")
		if first == "shutdown" {
			c.onShutdown()
			continue
		}
		tag, err := strconv.ParseUint(first, 10, 64)
		if err != nil {
			continue
		}
		c.mu.Lock()
		ch := c.waiting[tag]
		delete(c.waiting, tag)
		c.mu.Unlock()
		if ch != nil {
			ch <- rest
		}
	}
	c.mu.Lock()
	c.lost = true
	for tag, ch := range c.waiting {
		close(ch)
		delete(c.waiting, tag)
	}
	c.mu.Unlock()
	if !errors.Is(r.Err(), net.ErrClosed) {
		c.onLost()
	}
}

// reporting wraps a child's service so that the parent hears of a session
// that panicked or a connection dropped for overflow — and hears it before
// the session's Closed runs. That order matters for chat: Closed leaves the
// hub, the others see "* NAME left", and by then the server's Stats must
// already count the drop.
func reporting(svc netlab.Service, ctl *control) netlab.Service {
	return &reportingService{svc: svc, ctl: ctl}
}

type reportingService struct {
	svc netlab.Service
	ctl *control
}

func (s *reportingService) Open(c netlab.Conn) netlab.Session {
	var sess netlab.Session
	s.guard(func() { sess = s.svc.Open(c) })
	return &reportingSession{Session: sess, s: s}
}

func (s *reportingService) BusyReply() []byte { return netlab.BusyReplyOf(s.svc) }

func (s *reportingService) IdleTimeout() time.Duration { return netlab.IdleTimeoutOf(s.svc) }

// guard runs session code and, if it panics, tells the parent and waits for
// its acknowledgement before letting the panic go on to the engine, which
// recovers it and closes the connection.
func (s *reportingService) guard(f func()) {
	defer func() {
		if r := recover(); r != nil {
			s.ctl.call("panic")
			panic(r)
		}
	}()
	f()
}

type reportingSession struct {
	netlab.Session
	s *reportingService
}

func (r *reportingSession) Data(p []byte) { r.s.guard(func() { r.Session.Data(p) }) }

func (r *reportingSession) EOF() { r.s.guard(r.Session.EOF) }

func (r *reportingSession) Closed(err error) {
	if errors.Is(err, netlab.ErrOverflow) {
		r.s.ctl.call("drop")
	}
	r.s.guard(func() { r.Session.Closed(err) })
}

func (r *reportingSession) Idle() bool {
	if i, ok := r.Session.(netlab.Idler); ok {
		var idle bool
		r.s.guard(func() { idle = i.Idle() })
		return idle
	}
	return true
}
