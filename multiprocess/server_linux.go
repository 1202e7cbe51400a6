package multiprocess

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/internal/blocking"
)

// Server serves a registered service with one child process per connection,
// or with a fixed number of preforked children ([Options.Procs]).
type Server struct {
	spec  Spec
	cfg   netlab.Config
	opts  Options
	svc   netlab.Service // the parent's own instance: busy reply, shared state
	relay Relayer        // svc, if it has a shared part; else nil
	e     *blocking.Engine
	log   *slog.Logger
	child childConfig // what every child is told, but its mode

	mu       sync.Mutex
	children map[*child]struct{} // started and not yet reaped; guarded by mu
	closing  bool                // Shutdown or Close was called; guarded by mu
	done     chan struct{}       // closed when closing becomes true
	lfile    *os.File            // prefork: the listener every child inherits; guarded by mu
	active   int64               // connections being served; guarded by mu
	accepted int64               // guarded by mu
	refused  int64               // by the parent for a preforked child; guarded by mu
	panics   int64               // sessions that panicked, children that crashed; guarded by mu
	dropped  int64               // guarded by mu

	wg sync.WaitGroup // every goroutine the server started: one per child, one per relay
}

var (
	_ netlab.Server        = (*Server)(nil)
	_ netlab.StatsReporter = (*Server)(nil)
)

// child is one child process, seen from the parent.
type child struct {
	cmd     *exec.Cmd
	ctl     net.Conn      // the parent's end of the control socketpair
	prefork bool          // a preforked child: it accepts for itself
	open    int64         // connections it serves now; guarded by Server.mu
	killed  bool          // we killed it: its death is no crash; guarded by Server.mu
	done    chan struct{} // closed once the child is reaped
	wmu     sync.Mutex    // held while a line is written to ctl
}

// New returns a server for the service spec names, which must be registered
// ([Register]). It builds the parent's own instance of the service at once,
// so a bad Spec (an unknown name, a folder that does not exist) fails here
// rather than in every child. Zero fields of cfg take their defaults; the
// Logger is the parent's alone, since a *slog.Logger cannot cross exec
// either: children log to [Options.Stderr].
func New(spec Spec, cfg netlab.Config, opts Options) (*Server, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	svc, err := build(spec, Env{Logger: log})
	if err != nil {
		return nil, err
	}
	cfg = cfg.WithDefaults(svc)
	if opts.Stderr == nil {
		opts.Stderr = os.Stderr
	}
	level := slog.LevelWarn
	if log.Enabled(context.Background(), slog.LevelDebug) {
		level = slog.LevelDebug
	}
	relay, _ := svc.(Relayer)
	return &Server{
		spec:  spec,
		cfg:   cfg,
		opts:  opts,
		svc:   svc,
		relay: relay,
		e:     blocking.NewEngine(svc, cfg),
		log:   log,
		child: childConfig{
			Spec:        spec,
			Link:        relay != nil,
			IdleTimeout: cfg.IdleTimeout,
			MaxPending:  cfg.MaxPending,
			LogLevel:    level,
		},
		children: make(map[*child]struct{}),
		done:     make(chan struct{}),
	}, nil
}

// Serve serves connections on l until Shutdown or Close, and returns
// [netlab.ErrServerClosed] then. Without prefork it accepts, and starts a
// child for each connection; with prefork it starts [Options.Procs]
// children that accept from l themselves, starts a new one whenever one
// dies, and waits.
func (s *Server) Serve(l net.Listener) error {
	if err := s.e.Listen(l); err != nil {
		return err
	}
	defer s.e.Unlisten(l)
	if s.opts.Procs > 0 {
		return s.servePrefork(l)
	}
	for {
		nc, err := s.e.Accept(l)
		if err != nil {
			return err
		}
		s.startConn(nc)
	}
}

// startConn hands nc to a new child, or turns it away.
func (s *Server) startConn(nc net.Conn) {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		s.log.Error("multiprocess: connection has no file descriptor to hand over", "peer", nc.RemoteAddr())
		nc.Close()
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closing:
		nc.Close()
		return
	case s.active >= int64(s.cfg.MaxConns):
		s.e.Refuse(nc)
		return
	}
	// Once the child has its own copy of the descriptor, ours are closed:
	// the connection then lives in the child alone, and ends, whatever the
	// child does, when the child does.
	f, err := dupFile(sc, "conn")
	nc.Close()
	if err != nil {
		s.log.Error("multiprocess: duplicate the connection's descriptor", "err", err)
		return
	}
	defer f.Close()
	ch, err := s.startLocked(f, false)
	if err != nil {
		s.log.Error("multiprocess: start a child", "err", err)
		return
	}
	ch.open = 1
	s.active++
	s.accepted++
}

// servePrefork starts the children and waits for Shutdown or Close.
func (s *Server) servePrefork(l net.Listener) error {
	sc, ok := l.(syscall.Conn)
	if !ok {
		return fmt.Errorf("multiprocess: prefork needs a listener with a file descriptor, not a %T", l)
	}
	f, err := dupFile(sc, "listener")
	if err != nil {
		return fmt.Errorf("multiprocess: duplicate the listener's descriptor: %w", err)
	}
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		f.Close()
		return netlab.ErrServerClosed
	}
	s.lfile = f
	for range s.opts.Procs {
		if _, err := s.startLocked(f, true); err != nil {
			s.mu.Unlock()
			s.Close()
			return fmt.Errorf("multiprocess: prefork: %w", err)
		}
	}
	s.mu.Unlock()
	<-s.done
	return netlab.ErrServerClosed
}

// startLocked starts a child that inherits socket as fd 3, with its control
// socketpair as fd 4 and, for a Relayer, its link as fd 5. It holds mu while
// the child starts (a fork and an exec: about a millisecond), so that
// Shutdown either sees the child or stops it from being started.
func (s *Server) startLocked(socket *os.File, prefork bool) (*child, error) {
	ctlParent, ctlChild, err := socketpair("control")
	if err != nil {
		return nil, err
	}
	defer ctlChild.Close()
	files := []*os.File{socket, ctlChild}
	var linkParent *os.File
	if s.relay != nil {
		var linkChild *os.File
		linkParent, linkChild, err = socketpair("link")
		if err != nil {
			ctlParent.Close()
			return nil, err
		}
		defer linkChild.Close()
		files = append(files, linkChild)
	}
	cc := s.child
	cc.Prefork = prefork
	cfg, err := json.Marshal(cc)
	if err != nil {
		return nil, fmt.Errorf("multiprocess: encode the child's configuration: %w", err)
	}

	// /proc/self/exe is this very program even if its file was replaced
	// or removed since it started; os.Executable might name another.
	cmd := exec.Command("/proc/self/exe")
	cmd.Args = []string{"netlab-child-" + s.spec.Service} // what ps shows
	cmd.Env = append(os.Environ(), envChild+"="+string(cfg), raceOptions())
	cmd.ExtraFiles = files
	cmd.Stderr = s.opts.Stderr
	if err := cmd.Start(); err != nil {
		ctlParent.Close()
		if linkParent != nil {
			linkParent.Close()
		}
		return nil, fmt.Errorf("multiprocess: start a child: %w", err)
	}
	ctl, err := asConn(ctlParent)
	if err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		return nil, err
	}
	ch := &child{cmd: cmd, ctl: ctl, prefork: prefork, done: make(chan struct{})}
	s.children[ch] = struct{}{}
	s.log.Debug("child started", "pid", cmd.Process.Pid, "prefork", prefork)
	s.wg.Go(func() { s.watch(ch) })
	if linkParent != nil {
		link, err := asConn(linkParent)
		if err != nil {
			s.log.Error("multiprocess: link to the child", "err", err)
		} else {
			s.wg.Go(func() {
				if err := s.relay.ServeRelay(link); err != nil {
					s.log.Error("multiprocess: relay to the child", "pid", cmd.Process.Pid, "err", err)
				}
			})
		}
	}
	return ch, nil
}

// watch answers a child's control requests until it exits, then reaps it.
// Reading to the end first is what makes reaping safe to block on: the
// child's end of the socketpair closes only when the child is gone.
func (s *Server) watch(ch *child) {
	r := bufio.NewScanner(ch.ctl)
	for r.Scan() {
		tag, req, _ := strings.Cut(r.Text(), " ")
		if tag == "close" {
			s.mu.Lock()
			ch.open--
			s.active--
			s.mu.Unlock()
			continue
		}
		ans := "ack"
		s.mu.Lock()
		switch req {
		case "open": // may a preforked child serve the connection it accepted?
			if !s.closing && s.active < int64(s.cfg.MaxConns) {
				ch.open++
				s.active++
				s.accepted++
				ans = "ok"
			} else {
				s.refused++
				ans = "busy"
			}
		case "panic":
			s.panics++
		case "drop":
			s.dropped++
		}
		s.mu.Unlock()
		ch.send(tag + " " + ans)
	}
	ch.ctl.Close()
	err := ch.cmd.Wait() // the child is reaped: no zombie

	s.mu.Lock()
	delete(s.children, ch)
	s.active -= ch.open
	crashed := err != nil && !ch.killed
	if crashed {
		s.panics++
	}
	respawn := ch.prefork && !s.closing
	s.mu.Unlock()
	close(ch.done)

	if crashed {
		s.log.Error("child crashed; its connections are gone, the others are served", "pid", ch.cmd.Process.Pid, "status", ch.cmd.ProcessState.String())
	} else {
		s.log.Debug("child exited", "pid", ch.cmd.Process.Pid)
	}
	if respawn {
		s.respawn()
	}
}

// respawn replaces a preforked child that died, unless the server is
// closing by then.
func (s *Server) respawn() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing || s.lfile == nil {
		return
	}
	if _, err := s.startLocked(s.lfile, true); err != nil {
		s.log.Error("multiprocess: replace a child that died", "err", err)
	}
}

// send writes one line to the child. An error means the child is gone, and
// watch finds out by itself.
func (ch *child) send(msg string) {
	ch.wmu.Lock()
	defer ch.wmu.Unlock()
	ch.ctl.Write([]byte(msg + "\n"))
}

// beginClose stops accepting and starting children, and returns the
// children still running.
func (s *Server) beginClose() []*child {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closing {
		s.closing = true
		close(s.done)
	}
	if s.lfile != nil {
		s.lfile.Close()
		s.lfile = nil
	}
	cs := make([]*child, 0, len(s.children))
	for ch := range s.children {
		cs = append(cs, ch)
	}
	return cs
}

// kill ends the children at once. Their deaths are not counted as crashes.
func (s *Server) kill(cs []*child) {
	s.mu.Lock()
	for _, ch := range cs {
		ch.killed = true
	}
	s.mu.Unlock()
	for _, ch := range cs {
		ch.cmd.Process.Kill() // after Wait it does nothing: the process is known to be done
	}
}

// Shutdown stops accepting and asks every child to shut down gracefully: to
// stop accepting (a preforked one), close its idle connections and let the
// others finish, as perconn's Shutdown does. When ctx ends it kills the
// children that are left. It returns once every child is reaped and every
// goroutine the server started has exited.
func (s *Server) Shutdown(ctx context.Context) error {
	cs := s.beginClose()
	// The engine only holds the parent's listener and its busy replies.
	err := s.e.Shutdown(ctx)
	for _, ch := range cs {
		ch.send("shutdown")
	}
	for _, ch := range cs {
		select {
		case <-ch.done:
			continue
		case <-ctx.Done():
		}
		s.kill(cs)
		err = ctx.Err()
		break
	}
	s.wg.Wait() // every child reaped, every relay done
	s.closeService()
	return err
}

// Close stops accepting and kills every child. It returns once they are all
// reaped.
func (s *Server) Close() error {
	cs := s.beginClose()
	s.e.Close()
	s.kill(cs)
	s.wg.Wait()
	s.closeService()
	return nil
}

func (s *Server) closeService() {
	if c, ok := s.svc.(io.Closer); ok {
		c.Close()
	}
}

// Stats returns the server's counters. Panics counts both sessions that
// panicked (the child recovered and said so) and children that died
// another way; Dropped counts what children reported.
func (s *Server) Stats() netlab.Stats {
	es := s.e.Stats()
	s.mu.Lock()
	defer s.mu.Unlock()
	return netlab.Stats{
		Accepted: s.accepted,
		Refused:  s.refused + es.Refused,
		Active:   s.active,
		Panics:   s.panics,
		Dropped:  s.dropped,
	}
}

// Children returns the process IDs of the children running now.
func (s *Server) Children() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	pids := make([]int, 0, len(s.children))
	for ch := range s.children {
		pids = append(pids, ch.cmd.Process.Pid)
	}
	return pids
}

// raceOptions returns the GORACE setting for a child. A program built with
// -race sleeps for a second as it exits, so that other threads can still
// report a race; a child per connection would make every connection last a
// second longer. Zero keeps the reports and drops the wait. Without -race
// the variable is ignored.
func raceOptions() string {
	opts := os.Getenv("GORACE")
	if !strings.Contains(opts, "atexit_sleep_ms") {
		opts = strings.TrimSpace(opts + " atexit_sleep_ms=0")
	}
	return "GORACE=" + opts
}

// socketpair returns two connected Unix stream sockets, both close-on-exec:
// the flag is set atomically, as the sockets are made, so a child started
// by another goroutine at that very moment cannot inherit them. exec.Cmd
// clears it on the copies it hands the child as fd 3, 4, ….
func socketpair(name string) (parent, child *os.File, err error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("multiprocess: %s socketpair: %w", name, os.NewSyscallError("socketpair", err))
	}
	return os.NewFile(uintptr(fds[0]), name+"-parent"), os.NewFile(uintptr(fds[1]), name+"-child"), nil
}

// dupFile duplicates c's descriptor for a child to inherit.
//
// It does not use the File method of net.TCPConn or net.TCPListener,
// whose *os.File puts the descriptor into blocking mode when exec asks for
// its number. Blocking mode (O_NONBLOCK cleared) belongs to the open file
// description, which every duplicate shares, in this process and in every
// child that inherited it: one child started that way leaves the others'
// accept(2) blocked in the kernel, where closing the listener at shutdown
// no longer wakes it. A descriptor duplicated by hand and wrapped with
// os.NewFile keeps its mode.
func dupFile(c syscall.Conn, name string) (*os.File, error) {
	raw, err := c.SyscallConn()
	if err != nil {
		return nil, fmt.Errorf("multiprocess: %s descriptor: %w", name, err)
	}
	var fd int
	var dupErr error
	err = raw.Control(func(s uintptr) {
		fd, dupErr = unix.FcntlInt(s, unix.F_DUPFD_CLOEXEC, 0)
	})
	if err == nil {
		err = dupErr
	}
	if err != nil {
		return nil, fmt.Errorf("multiprocess: duplicate the %s descriptor: %w", name, os.NewSyscallError("fcntl", err))
	}
	return os.NewFile(uintptr(fd), name), nil
}

// asConn turns a socket into a net.Conn that the runtime's poller serves
// (so a blocked Read ends when it is closed) and closes f.
func asConn(f *os.File) (net.Conn, error) {
	defer f.Close()
	c, err := net.FileConn(f)
	if err != nil {
		return nil, fmt.Errorf("multiprocess: socketpair as a connection: %w", err)
	}
	return c, nil
}
