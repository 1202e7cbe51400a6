package multiprocess_test

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/multiprocess"
	"github.com/netlab-go/netlab/multiprocess/services"
	"github.com/netlab-go/netlab/netlabtest"
)

// The helper process is this test binary run again with envHelper set: a
// multiprocess files server in a process of its own, as `netlab serve`
// would run it, so that a test can do to it what it must not do to itself
// (send its process group SIGINT, lower its descriptor limit).
const (
	envHelper     = "NETLAB_MULTIPROCESS_TEST_HELPER" // the folder the files service serves
	envHelperFDs  = "NETLAB_MULTIPROCESS_TEST_NOFILE" // if set, RLIMIT_NOFILE before serving
	helperGrace   = 30 * time.Second                  // how long the helper's Shutdown waits
	helperTimeout = 60 * time.Second                  // how long a client of the helper waits for it
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
	*netlabtest.Process
	addr string
}

// startHelper starts a helper serving root with the extra environment
// given, and waits for its "listening on" line. At cleanup it is killed,
// if it is still running, and reaped.
func startHelper(t *testing.T, root string, env ...string) *helper {
	t.Helper()
	p := netlabtest.StartProcess(t, nil, append(env, envHelper+"="+root)...)
	line := p.Stdout.Line(t, 0, "the helper to listen")
	addr, ok := strings.CutPrefix(line, "listening on ")
	require.True(t, ok, "the helper's first line is %q, want listening on ADDR", line)
	return &helper{Process: p, addr: addr}
}

// dial connects to the helper and closes the connection when the test
// ends. Every read and write on it fails after helperTimeout: a helper
// serving many clients with a child each is slower than a server in this
// process.
func (h *helper) dial(t *testing.T) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", h.addr)
	require.NoError(t, err, "dial the helper")
	t.Cleanup(func() { c.Close() })
	require.NoError(t, c.SetDeadline(time.Now().Add(helperTimeout)))
	return c
}
