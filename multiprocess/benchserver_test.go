package multiprocess_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/chat"
	"github.com/netlab-go/netlab/echo"
	"github.com/netlab-go/netlab/filesrv"
	"github.com/netlab-go/netlab/multiprocess"
	"github.com/netlab-go/netlab/multiprocess/services"
	"github.com/netlab-go/netlab/netlabtest"
	"github.com/netlab-go/netlab/perconn"
)

// The benchmarks measure servers in processes of their own, so that the
// load generator's goroutines and garbage stay out of the server's CPU
// time: this test binary run again with envBenchServer set to "MODE
// SERVICE [ROOT]" serves, prints "listening on ADDR" and exits on SIGTERM.
// MODE is perconn, child (a child per connection), prefork (two children)
// or bare (files only: a plain goroutine per connection that answers a GET
// with io.Copy, which sendfile(2)s, the yardstick for downloads).
//
// With envBenchExit set, the binary exits at once, before the testing
// package starts: the tiny child whose bare exec a connection's child is
// measured against.
const (
	envBenchServer = "NETLAB_MULTIPROCESS_BENCH_SERVER"
	envBenchExit   = "NETLAB_MULTIPROCESS_BENCH_EXIT"
)

func isBenchServer() bool { _, ok := os.LookupEnv(envBenchServer); return ok }

func isBenchExit() bool { _, ok := os.LookupEnv(envBenchExit); return ok }

// runBenchServer serves as envBenchServer says, until SIGTERM.
func runBenchServer() int {
	fail := func(err error) int { fmt.Fprintln(os.Stderr, "bench server:", err); return 2 }
	args := strings.Fields(os.Getenv(envBenchServer))
	if len(args) < 2 {
		return fail(fmt.Errorf("%s=%q: want MODE SERVICE [ROOT]", envBenchServer, os.Getenv(envBenchServer)))
	}
	mode, service, root := args[0], args[1], ""
	if len(args) > 2 {
		root = args[2]
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fail(err)
	}
	srv, err := benchServer(mode, service, root)
	if err != nil {
		return fail(err)
	}
	// A benchmark's server that is slow to stop has measured already.
	serveUntil(ctx, srv, l, 5*time.Second, func() {})
	return 0
}

func benchServer(mode, service, root string) (netlab.Server, error) {
	if mode == "bare" {
		// netlabtest.BareFiles with io.Copy from the *os.File to the
		// *net.TCPConn: the kernel's sendfile(2) as Go's standard library
		// drives it, and nothing else.
		return netlabtest.NewBareServer(func(c net.Conn) { netlabtest.BareFiles(c, root, nil) }), nil
	}
	if mode == "perconn" {
		var svc netlab.Service
		switch service {
		case "echo":
			svc = echo.New()
		case "chat":
			svc = chat.New(chat.Options{})
		case "files":
			fs, err := filesrv.New(root, filesrv.Options{})
			if err != nil {
				return nil, err
			}
			svc = fs
		}
		return perconn.New(svc, netlab.Config{}), nil
	}
	var spec multiprocess.Spec
	switch service {
	case "echo":
		spec = services.Echo()
	case "chat":
		spec = services.Chat()
	case "files":
		spec = services.Files(root, 0)
	}
	var opts multiprocess.Options
	if mode == "prefork" {
		opts.Procs = 2
	}
	return multiprocess.New(spec, netlab.Config{}, opts)
}
