package enginebench_test

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/internal/models"
	"github.com/netlab-go/netlab/netlabtest"
)

// helperEnv names the helper role when this test binary runs as a server
// process: os/exec's TestHelperProcess pattern, dispatched from TestMain
// so that the helper runs no tests. Arguments follow "--". A helper prints
// "listening ADDR" once it serves on a fresh loopback port, answers the
// line "cpu" with "cpu USER SYSTEM" (its CPU time so far, in µs), and
// exits when its standard input ends.
//
//	serve MODEL SERVICE ROOT   SERVICE (a name from internal/models) under
//	                           MODEL; ROOT is the files service's folder
//	sendfile ROOT              the bare reference: netlabtest.BareFiles, "GET
//	                           NAME" answered with "OK SIZE" and one io.Copy
//	                           of the file (sendfile)
const helperEnv = "NETLAB_ENGINEBENCH_HELPER"

func runHelper(role string, argv []string) int {
	args := argv
	for len(args) > 0 && args[0] != "--" {
		args = args[1:]
	}
	var err error
	switch {
	case role == "serve" && len(args) == 4:
		err = serveModel(args[1], args[2], args[3])
	case role == "sendfile" && len(args) == 2:
		// The download yardstick: one io.Copy from the file to the
		// *net.TCPConn, which the runtime turns into sendfile(2) in
		// chunks as large as the socket takes.
		err = netlabtest.ServeHelper(netlabtest.NewBareServer(func(c net.Conn) {
			netlabtest.BareFiles(c, args[1], nil)
		}), treeCPU)
	default:
		err = fmt.Errorf("bad helper invocation %s %q", role, args)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		return 1
	}
	return 0
}

// serveModel is the "serve" helper.
func serveModel(model, service, root string) error {
	m, err := models.Lookup(model)
	if err != nil {
		return err
	}
	s, err := models.LookupService(service)
	if err != nil {
		return err
	}
	flags := models.Flags{Root: root}
	svc, cleanup, err := s.New(flags)
	if err != nil {
		return err
	}
	defer cleanup()
	srv, err := m.New(svc, netlab.Config{MaxConns: 20000}, flags)
	if err != nil {
		return err
	}
	return netlabtest.ServeHelper(srv, treeCPU)
}

// startHelper runs this test binary as a helper in role with args, waits
// for its address, and stops it when the benchmark ends.
func startHelper(tb testing.TB, role string, args ...string) (h *netlabtest.Helper, addr string) {
	tb.Helper()
	// Not CommandContext with tb.Context: that ends before the cleanup
	// that stops the helper gently.
	cmd := exec.Command(os.Args[0], append([]string{"--"}, args...)...)
	cmd.Env = append(os.Environ(), helperEnv+"="+role)
	h = netlabtest.StartHelper(tb, cmd)
	return h, h.Ask(tb, "", "listening")[1]
}

// treeCPU returns the CPU time, in µs, of this process, of its children
// that have exited (getrusage), and of those still running (their
// /proc/PID/stat, in clock ticks): the multiprocess model serves each
// connection in a child, which a download keeps alive while it is measured.
func treeCPU() (user, sys int64, err error) {
	for _, who := range []int{unix.RUSAGE_SELF, unix.RUSAGE_CHILDREN} {
		var ru unix.Rusage
		if err := unix.Getrusage(who, &ru); err != nil {
			return 0, 0, err
		}
		user += ru.Utime.Nano() / 1000
		sys += ru.Stime.Nano() / 1000
	}
	tasks, _ := filepath.Glob("/proc/self/task/*/children")
	for _, t := range tasks {
		kids, err := os.ReadFile(t)
		if err != nil {
			continue // the thread exited
		}
		for _, pid := range strings.Fields(string(kids)) {
			stat, err := os.ReadFile("/proc/" + pid + "/stat")
			if err != nil {
				continue // the child exited, and getrusage will count it
			}
			// Fields after the command name, which is in parentheses and
			// may hold spaces: utime and stime are the 12th and 13th.
			f := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
			if len(f) < 13 {
				continue
			}
			u, _ := strconv.ParseInt(f[11], 10, 64)
			k, _ := strconv.ParseInt(f[12], 10, 64)
			const tick = 10_000 // µs: USER_HZ is 100 on Linux
			user += u * tick
			sys += k * tick
		}
	}
	return user, sys, nil
}
