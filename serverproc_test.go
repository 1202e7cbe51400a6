//go:build linux

package netlab_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/internal/models"
	"github.com/netlab-go/netlab/netlabtest"
)

// The tests that measure a server from outside — its open descriptors in
// /proc/PID/fd, its goroutines, its behaviour under a descriptor limit of
// its own — run it in a process of its own: this test binary again, told by
// serverProcEnv what to serve (the helper-process pattern of os/exec's
// tests). The two talk over the child's standard input and output, one line
// each way:
//
//	child:  netlab-server ready echo=127.0.0.1:41000 chat=… files=…
//	parent: goroutines          child: netlab-server goroutines 9
//	parent: stop                child: netlab-server stopped ok
//
// and the child writes its servers' error log, one line a record, to its
// standard error.
const (
	serverProcEnv = "NETLAB_TEST_SERVER" // "MODEL NOFILE ROOT SERVICE…"
	procPrefix    = "netlab-server "
)

// TestServerProcess is the child's side; run as a normal test it does
// nothing.
func TestServerProcess(t *testing.T) {
	spec, ok := os.LookupEnv(serverProcEnv)
	if !ok {
		return
	}
	if err := runServerProcess(spec, os.Stdin, os.Stdout); err != nil {
		fmt.Fprintf(os.Stdout, "%sfailed %v\n", procPrefix, err)
		os.Exit(2)
	}
	os.Exit(0)
}

// runServerProcess serves what spec names until told to stop or its input
// ends.
func runServerProcess(spec string, in io.Reader, out io.Writer) error {
	f := strings.Fields(spec)
	if len(f) < 4 {
		return fmt.Errorf("bad %s %q: want MODEL NOFILE ROOT SERVICE…", serverProcEnv, spec)
	}
	m, err := models.Lookup(f[0])
	if err != nil {
		return err
	}
	if nofile, _ := strconv.ParseUint(f[1], 10, 64); nofile > 0 {
		var lim syscall.Rlimit
		if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			return fmt.Errorf("getrlimit: %w", err)
		}
		lim.Cur = nofile
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			return fmt.Errorf("setrlimit: %w", err)
		}
	}
	flags := models.Flags{Root: f[2]}
	cfg := netlab.Config{Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))}

	var running []*netlabtest.Running
	var cleanups []func() error
	stop := func() error {
		var errs []error
		for _, r := range running {
			errs = append(errs, r.Stop())
		}
		for _, c := range cleanups {
			errs = append(errs, c())
		}
		return errors.Join(errs...)
	}
	addrs := []string{}
	for _, name := range f[3:] {
		s, err := models.LookupService(name)
		if err != nil {
			return errors.Join(err, stop())
		}
		svc, cleanup, err := s.New(flags)
		if err != nil {
			return errors.Join(err, stop())
		}
		cleanups = append(cleanups, cleanup)
		r, err := netlabtest.Serve(m.With(flags), svc, cfg)
		if err != nil {
			return errors.Join(err, stop())
		}
		running = append(running, r)
		addrs = append(addrs, name+"="+r.Addr)
	}
	fmt.Fprintf(out, "%sready %s\n", procPrefix, strings.Join(addrs, " "))

	sc := bufio.NewScanner(in)
	for sc.Scan() {
		switch sc.Text() {
		case "goroutines":
			fmt.Fprintf(out, "%sgoroutines %d\n", procPrefix, runtime.NumGoroutine())
		case "stop":
			if err := stop(); err != nil {
				return err
			}
			fmt.Fprintf(out, "%sstopped ok\n", procPrefix)
			return nil
		}
	}
	return stop() // the parent went away
}

// A serverProc is a server running in a child process.
type serverProc struct {
	*netlabtest.Process
	t     testing.TB
	next  int               // the index of the child's next control line in its output
	addrs map[string]string // service name → address
	Root  string            // the files service's folder
}

// startServerProc runs services under model m in a child process whose
// soft RLIMIT_NOFILE is nofile (0 leaves it as this process's), with the
// files service serving root. It is stopped, gracefully, when the test ends.
func startServerProc(t testing.TB, m string, nofile int, root string, services ...string) *serverProc {
	t.Helper()
	proc := netlabtest.StartProcess(t, []string{"-test.run=^TestServerProcess$"},
		fmt.Sprintf("%s=%s %d %s %s", serverProcEnv, m, nofile, root, strings.Join(services, " ")))
	p := &serverProc{Process: proc, t: t, addrs: map[string]string{}, Root: root}
	t.Cleanup(p.stop) // before the process's own cleanup, which kills it

	ready := strings.Fields(p.control("the server process to start"))
	require.Equal(t, "ready", ready[0], "the server process: %v", ready)
	for _, a := range ready[1:] {
		name, addr, _ := strings.Cut(a, "=")
		p.addrs[name] = addr
	}
	return p
}

// control returns the child's next control line, without its prefix.
func (p *serverProc) control(what string) string {
	p.t.Helper()
	for {
		line := p.Stdout.Line(p.t, p.next, what)
		p.next++
		if rest, ok := strings.CutPrefix(line, procPrefix); ok {
			return rest
		}
	}
}

// EMFILE is closed when the child's error log first says that it ran out
// of descriptors.
func (p *serverProc) EMFILE() <-chan struct{} { return p.Stderr.Seen(syscall.EMFILE.Error()) }

// EMFILEs counts the lines of the child's error log that say so.
func (p *serverProc) EMFILEs() int { return len(p.Stderr.Matching(syscall.EMFILE.Error())) }

// Addr returns the address the service called name listens on.
func (p *serverProc) Addr(name string) string { return p.addrs[name] }

// Goroutines asks the child how many goroutines it runs.
func (p *serverProc) Goroutines() int {
	p.t.Helper()
	_, err := io.WriteString(p.Stdin, "goroutines\n")
	require.NoError(p.t, err)
	f := strings.Fields(p.control("the goroutine count"))
	require.Len(p.t, f, 2)
	n, err := strconv.Atoi(f[1])
	require.NoError(p.t, err)
	return n
}

// FDs counts the child's open descriptors in /proc/PID/fd.
func (p *serverProc) FDs() int {
	p.t.Helper()
	entries, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", p.PID()))
	require.NoError(p.t, err)
	return len(entries)
}

// Children counts the child's own child processes (a multiprocess
// server's), from every thread's /proc/PID/task/TID/children.
func (p *serverProc) Children() int {
	p.t.Helper()
	files, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", p.PID()))
	require.NoError(p.t, err)
	n := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue // the thread exited
		}
		n += len(strings.Fields(string(b)))
	}
	return n
}

// Counts are what the tests compare before and after a load: the server
// process's goroutines, open descriptors and child processes.
type Counts struct{ Goroutines, FDs, Children int }

// Counts reads the server's counts now.
func (p *serverProc) Counts() Counts {
	p.t.Helper()
	return Counts{Goroutines: p.Goroutines(), FDs: p.FDs(), Children: p.Children()}
}

// Baseline waits, up to [netlabtest.Timeout], for the server's counts to
// hold still — the same in 20 readings in a row, a millisecond or more
// apart — and returns them: what a server at rest holds, once the
// connections of a warm-up are torn down and whatever it sets up at its
// first client is there.
func (p *serverProc) Baseline() Counts {
	p.t.Helper()
	var last Counts
	same := 0
	netlabtest.WaitFor(p.t, "the server's goroutines and descriptors to hold still", func() bool {
		c := p.Counts()
		if c == last {
			same++
		} else {
			last, same = c, 0
		}
		return same >= 20
	})
	return last
}

// AtRest waits, up to [netlabtest.Timeout], for the server's counts to
// come back to base or below — its goroutines to within parked, the
// workers a model keeps once started — and returns the last reading. The
// test fails if they do not, saying what is still held.
func (p *serverProc) AtRest(base Counts, parked int) Counts {
	p.t.Helper()
	deadline := time.NewTimer(netlabtest.Timeout)
	defer deadline.Stop()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for {
		c := p.Counts()
		if c.Goroutines <= base.Goroutines+parked && c.FDs <= base.FDs && c.Children <= base.Children {
			return c
		}
		select {
		case <-deadline.C:
			p.t.Fatalf("gave up after %v waiting for the server's counts to return to %+v (+%d parked goroutines): they are %+v",
				netlabtest.Timeout, base, parked, c)
		case <-tick.C:
		}
	}
}

// parked returns how many goroutines m, run with the default flags for
// servers of them, keeps once started and idle (a pool's workers, as its
// doc says): goroutines above the baseline that are not a leak.
func parked(m models.Model, servers int) int {
	if m.AtOnce == nil || m.Serial(models.Flags{}) {
		return 0
	}
	return servers * m.AtOnce(models.Flags{})
}

// stop shuts the child down gracefully and waits for it; the test fails
// unless it stopped cleanly.
func (p *serverProc) stop() {
	if _, err := io.WriteString(p.Stdin, "stop\n"); err != nil {
		p.t.Errorf("the server process is gone before it was told to stop: %v", err)
		return
	}
	assert.Equal(p.t, "stopped ok", p.control("the server process to stop"), "the server process's shutdown")
	p.Stdin.Close()
	assert.NoError(p.t, p.Wait(p.t), "the server process's exit")
}

// dialRaw connects to addr with every read and write bounded, for a client
// that must not fail the test from its own goroutine: it returns errors
// instead.
func dialRaw(addr string) (*net.TCPConn, error) {
	c, err := net.DialTimeout("tcp", addr, netlabtest.Timeout)
	if err != nil {
		return nil, err
	}
	c.SetDeadline(time.Now().Add(netlabtest.Timeout))
	return c.(*net.TCPConn), nil
}
