package multiprocess_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/multiprocess"
	"github.com/netlab-go/netlab/multiprocess/services"
)

// The helper process is this test binary run again with envHelper set: a
// multiprocess files server in a process of its own, as `netlab serve`
// would run it, so that a test can do to it what it must not do to itself
// (send its process group SIGINT, lower its descriptor limit).
const (
	envHelper     = "NETLAB_MULTIPROCESS_TEST_HELPER" // the folder the files service serves
	envHelperFDs  = "NETLAB_MULTIPROCESS_TEST_NOFILE" // if set, RLIMIT_NOFILE before serving
	helperGrace   = 30 * time.Second                  // how long the helper's Shutdown waits
	helperTimeout = 60 * time.Second                  // how long a test waits for the helper
)

func isHelper() bool { _, ok := os.LookupEnv(envHelper); return ok }

// runHelper serves files from $envHelper with a child per connection,
// prints "listening on ADDR", and on SIGINT or SIGTERM shuts down
// gracefully and exits 0, or 1 if the shutdown was cut short. It logs at
// debug level to standard error, its children too.
func runHelper() int {
	fail := func(err error) int { fmt.Fprintln(os.Stderr, "helper:", err); return 2 }
	if n := os.Getenv(envHelperFDs); n != "" {
		lim, err := strconv.ParseUint(n, 10, 64)
		if err != nil {
			return fail(err)
		}
		// Soft and hard: a Go program raises its soft limit to the hard
		// one as it starts, and the children are Go programs.
		if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &unix.Rlimit{Cur: lim, Max: lim}); err != nil {
			return fail(err)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv, err := multiprocess.New(services.Files(os.Getenv(envHelper), 0), netlab.Config{Logger: log}, multiprocess.Options{Stderr: os.Stderr})
	if err != nil {
		return fail(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fail(err)
	}
	if err := serveUntil(ctx, srv, l, helperGrace, func() { log.Info("helper: signalled; shutting down") }); err != nil {
		return fail(err)
	}
	return 0
}

// serveUntil serves srv on l and says "listening on ADDR" on standard
// output, for the test that started this process to read. When ctx ends it
// calls signalled, shuts srv down within grace, waits for Serve to return,
// and returns what Shutdown returned.
func serveUntil(ctx context.Context, srv netlab.Server, l net.Listener, grace time.Duration, signalled func()) error {
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	fmt.Println("listening on", l.Addr())
	<-ctx.Done()
	signalled()
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	err := srv.Shutdown(sctx)
	<-served
	return err
}

// helper is a running helper process, seen from the test.
type helper struct {
	cmd    *exec.Cmd
	addr   string
	stderr *lines
	exited chan error    // gets cmd.Wait's result
	gone   chan struct{} // closed when the helper has exited
}

// startHelper starts a helper serving root, in a process group of its own,
// with the extra environment given, and waits for its "listening on" line.
// At cleanup it is killed, if it is still running, and reaped.
func startHelper(t *testing.T, root string, env ...string) *helper {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), append(env, envHelper+"="+root)...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	h := &helper{cmd: cmd, stderr: newLines(), exited: make(chan error, 1), gone: make(chan struct{})}
	cmd.Stderr = h.stderr
	require.NoError(t, cmd.Start())
	go func() {
		h.exited <- cmd.Wait()
		close(h.gone)
	}()
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // the helper and any child of its group
		<-h.exited
		if t.Failed() {
			t.Logf("the helper's standard error:\n%s", h.stderr)
		}
	})

	first := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		first <- line
		io.Copy(io.Discard, stdout)
	}()
	select {
	case line := <-first:
		addr, ok := strings.CutPrefix(strings.TrimSpace(line), "listening on ")
		require.True(t, ok, "the helper's first line is %q, want listening on ADDR", line)
		h.addr = addr
	case err := <-h.exited:
		h.exited <- err
		require.FailNow(t, "the helper exited before it listened", "%v\n%s", err, h.stderr)
	case <-time.After(helperTimeout):
		require.FailNow(t, "the helper did not listen in time")
	}
	return h
}

// wait returns the helper's exit error, or fails the test if it does not
// exit in time.
func (h *helper) wait(t *testing.T) error {
	t.Helper()
	select {
	case err := <-h.exited:
		h.exited <- err // for the cleanup
		return err
	case <-time.After(helperTimeout):
		require.FailNow(t, "the helper did not exit in time")
		return nil
	}
}

// lines is an io.Writer that keeps what is written to it, line by line,
// and lets a test wait for a line.
type lines struct {
	mu      sync.Mutex
	all     []string      // guarded by mu
	part    string        // a line not yet ended; guarded by mu
	changed chan struct{} // closed and replaced when a line is added; guarded by mu
}

func newLines() *lines { return &lines{changed: make(chan struct{})} }

func (l *lines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	text := l.part + string(p)
	for {
		line, rest, ok := strings.Cut(text, "\n")
		if !ok {
			break
		}
		l.all = append(l.all, line)
		text = rest
	}
	l.part = text
	close(l.changed)
	l.changed = make(chan struct{})
	return len(p), nil
}

// matching returns the lines so far that hold substr.
func (l *lines) matching(substr string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var m []string
	for _, line := range l.all {
		if strings.Contains(line, substr) {
			m = append(m, line)
		}
	}
	return m
}

// logged returns a channel that is closed once a line of the helper's
// standard error holds substr. It stays open if the helper exits first.
func (h *helper) logged(substr string) <-chan struct{} {
	seen := make(chan struct{})
	go func() {
		for {
			h.stderr.mu.Lock()
			changed := h.stderr.changed
			h.stderr.mu.Unlock()
			if len(h.stderr.matching(substr)) > 0 {
				close(seen)
				return
			}
			select {
			case <-changed:
			case <-h.gone:
				return
			}
		}
	}()
	return seen
}

// waitLog waits until a line of the helper's standard error holds substr,
// and fails the test if none does before the helper exits, or in time.
func (h *helper) waitLog(t *testing.T, substr string) {
	t.Helper()
	seen := h.logged(substr)
	select {
	case <-seen:
	case <-h.gone:
		if len(h.stderr.matching(substr)) == 0 {
			require.FailNow(t, "the helper exited, and no line of its says "+substr)
		}
	case <-time.After(helperTimeout):
		require.FailNow(t, "no line of the helper says "+substr)
	}
}

func (l *lines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.all, "\n") + l.part
}
