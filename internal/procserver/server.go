package procserver

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// ErrUnsupported is returned by [Start] where there is no /proc to read.
var ErrUnsupported = errors.New("procserver: measuring a child process needs Linux's /proc")

// Options tune [Start]. The zero value is ready to use.
type Options struct {
	// Env is the child's environment; nil means this process's.
	Env []string
	// Dir is the child's working directory; "" means this process's.
	Dir string
	// StartTimeout bounds the wait for `listening on`; 0 means 10s.
	StartTimeout time.Duration
	// StopTimeout bounds the wait after SIGTERM before SIGKILL; 0 means 5s.
	StopTimeout time.Duration
	// SampleEvery is how often a [Window] samples memory; 0 means 50ms.
	SampleEvery time.Duration
}

// A Server is a child process that said where it listens.
type Server struct {
	// Addr is the HOST:PORT from the child's `listening on` line.
	Addr string

	cmd    *exec.Cmd
	opts   Options
	stderr *tail
	exited chan struct{} // closed once the child has been reaped
	err    error         // the child's exit status; set before exited closes

	stopOnce sync.Once
	stopErr  error
}

// listenPrefix starts the line a netlab server prints once it accepts.
const listenPrefix = "listening on "

// Start runs argv[0] with argv[1:] in a process group of its own and waits
// until it prints `listening on HOST:PORT` on its standard output. A child
// that exits first, or prints nothing for StartTimeout, is an error quoting
// the end of its standard error; the child is then stopped and reaped.
// ctx bounds only the start; stop the server with [Server.Stop].
func Start(ctx context.Context, argv []string, opts Options) (*Server, error) {
	if !supported {
		return nil, ErrUnsupported
	}
	if len(argv) == 0 {
		return nil, errors.New("procserver: start: empty command line")
	}
	if opts.StartTimeout <= 0 {
		opts.StartTimeout = 10 * time.Second
	}
	if opts.StopTimeout <= 0 {
		opts.StopTimeout = 5 * time.Second
	}
	if opts.SampleEvery <= 0 {
		opts.SampleEvery = 50 * time.Millisecond
	}
	s := &Server{opts: opts, stderr: &tail{max: 4 << 10}, exited: make(chan struct{})}
	addrs := make(chan string, 1)
	s.cmd = exec.Command(argv[0], argv[1:]...)
	s.cmd.Env, s.cmd.Dir = opts.Env, opts.Dir
	s.cmd.Stdout = &lineWatch{found: addrs}
	s.cmd.Stderr = s.stderr
	// A group of its own, so that SIGKILL reaches the workers a
	// multiprocess server forked, and a Ctrl-C at the terminal reaches
	// only this process, which then stops the child in order.
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("procserver: start %s: %w", argv[0], err)
	}
	go func() {
		s.err = s.cmd.Wait()
		close(s.exited)
	}()

	timer := time.NewTimer(opts.StartTimeout)
	defer timer.Stop()
	var why error
	select {
	case s.Addr = <-addrs:
		return s, nil
	case <-s.exited:
		why = fmt.Errorf("exited (%v) before printing %q", s.err, listenPrefix+"HOST:PORT")
	case <-timer.C:
		why = fmt.Errorf("printed no %q within %v", listenPrefix+"HOST:PORT", opts.StartTimeout)
	case <-ctx.Done():
		why = fmt.Errorf("stopped before it listened: %w", context.Cause(ctx))
	}
	s.Stop()
	return nil, fmt.Errorf("procserver: %s %s%s", strings.Join(argv, " "), why, s.stderr.quote())
}

// PID returns the child's process ID.
func (s *Server) PID() int { return s.cmd.Process.Pid }

// Exited is closed once the child has exited and been reaped, whether it
// was stopped or died by itself.
func (s *Server) Exited() <-chan struct{} { return s.exited }

// Stderr returns the last few kilobytes the child wrote to its standard
// error.
func (s *Server) Stderr() string { return s.stderr.String() }

// Stop asks the child to stop with SIGTERM, waits up to StopTimeout, then
// kills its whole process group with SIGKILL, and reaps it. It returns nil
// if the child exited cleanly or by the signal Stop sent, and otherwise the
// child's exit error with its standard error's tail. Stop is safe to call
// more than once; later calls return the first call's result.
func (s *Server) Stop() error {
	s.stopOnce.Do(func() { s.stopErr = s.stop() })
	return s.stopErr
}

func (s *Server) stop() error {
	pid := s.cmd.Process.Pid
	select {
	case <-s.exited:
		return s.exitErr(false)
	default:
	}
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("procserver: stop pid %d: %w", pid, os.NewSyscallError("kill", err))
	}
	timer := time.NewTimer(s.opts.StopTimeout)
	defer timer.Stop()
	select {
	case <-s.exited:
		// The leader is gone; a worker it forked and did not stop must not
		// outlive it.
		syscall.Kill(-pid, syscall.SIGKILL)
		return s.exitErr(true)
	case <-timer.C:
	}
	syscall.Kill(-pid, syscall.SIGKILL)
	<-s.exited
	return fmt.Errorf("procserver: pid %d ignored SIGTERM for %v and was killed%s", pid, s.opts.StopTimeout, s.stderr.quote())
}

// exitErr reports the child's exit status; termed says Stop sent SIGTERM,
// which then is no failure.
func (s *Server) exitErr(termed bool) error {
	if s.err == nil {
		return nil
	}
	var ee *exec.ExitError
	if errors.As(s.err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && termed && ws.Signaled() && ws.Signal() == syscall.SIGTERM {
			return nil
		}
	}
	return fmt.Errorf("procserver: pid %d: %w%s", s.cmd.Process.Pid, s.err, s.stderr.quote())
}

// lineWatch is the child's standard output: it sends the address of the
// first `listening on` line to found and discards everything, so that a
// chatty child never blocks on a full pipe.
type lineWatch struct {
	found chan<- string
	line  []byte
	done  bool
}

func (w *lineWatch) Write(p []byte) (int, error) {
	if w.done {
		return len(p), nil
	}
	w.line = append(w.line, p...)
	for {
		i := bytes.IndexByte(w.line, '\n')
		if i < 0 {
			if len(w.line) > 4<<10 {
				w.line = w.line[:0] // no such line is this long
			}
			return len(p), nil
		}
		if addr, ok := strings.CutPrefix(strings.TrimSpace(string(w.line[:i])), listenPrefix); ok {
			w.found <- addr
			w.done, w.line = true, nil
			return len(p), nil
		}
		w.line = w.line[i+1:]
	}
}

// tail keeps the last max bytes written to it.
type tail struct {
	max int
	mu  sync.Mutex
	buf []byte // guarded by mu
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}

// quote returns ": its stderr ends: …" or "" when it wrote nothing.
func (t *tail) quote() string {
	s := strings.TrimSpace(t.String())
	if s == "" {
		return " (it wrote nothing to stderr)"
	}
	return "; its stderr ends:\n" + s
}
