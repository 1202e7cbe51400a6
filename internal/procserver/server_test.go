//go:build linux

package procserver_test

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netlab-go/netlab/internal/procserver"
)

// start runs the helper as role and stops it at cleanup.
func start(t *testing.T, role string, opts procserver.Options) *procserver.Server {
	t.Helper()
	argv, env := helperArgv(role)
	opts.Env = env
	s, err := procserver.Start(t.Context(), argv, opts)
	require.NoError(t, err)
	t.Cleanup(func() { s.Stop() })
	return s
}

// ask sends one command to the helper and returns its reply, which it
// sends once the work is done.
func ask(t *testing.T, s *procserver.Server, cmd string) string {
	t.Helper()
	c, err := net.Dial("tcp", s.Addr)
	require.NoError(t, err)
	defer c.Close()
	require.NoError(t, c.SetDeadline(time.Now().Add(time.Minute)))
	fmt.Fprintln(c, cmd)
	line, err := bufio.NewReader(c).ReadString('\n')
	require.NoError(t, err, "the helper's reply to %q", cmd)
	return strings.TrimSpace(line)
}

// usageOf measures what the helper uses while it does cmd: a window from
// just before the command to its reply.
func usageOf(t *testing.T, s *procserver.Server, cmd string) procserver.Usage {
	t.Helper()
	w, err := s.Begin()
	require.NoError(t, err)
	ask(t, s, cmd)
	u, err := w.End()
	require.NoError(t, err)
	return u
}

// gone reports whether pid no longer exists: neither running nor a zombie
// waiting to be reaped.
func gone(pid int) bool { return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH) }

func TestStart(t *testing.T) {
	t.Run("the address is the one the child printed", func(t *testing.T) {
		s := start(t, "server", procserver.Options{})
		assert.True(t, strings.HasPrefix(s.Addr, "127.0.0.1:"), s.Addr)
		assert.Equal(t, "burned", ask(t, s, "burn 0"))
	})

	t.Run("a child that exits first is an error quoting its stderr", func(t *testing.T) {
		argv, env := helperArgv("fail")
		_, err := procserver.Start(t.Context(), argv, procserver.Options{Env: env})
		require.Error(t, err)
		assert.Contains(t, err.Error(), "exited (exit status 2)")
		assert.Contains(t, err.Error(), "helper: bad flag -nope")
	})

	t.Run("a child that never says where it listens is stopped after the bound", func(t *testing.T) {
		argv, env := helperArgv("silent")
		_, err := procserver.Start(t.Context(), argv, procserver.Options{Env: env, StartTimeout: 300 * time.Millisecond})
		require.Error(t, err)
		assert.Contains(t, err.Error(), "printed no")
	})

	t.Run("a program that does not exist is an error", func(t *testing.T) {
		_, err := procserver.Start(t.Context(), []string{"/nonexistent/netlab"}, procserver.Options{})
		assert.Error(t, err)
	})
}

func TestStop(t *testing.T) {
	t.Run("a stopped child is reaped, not left a zombie", func(t *testing.T) {
		s := start(t, "server", procserver.Options{})
		pid := s.PID()
		require.NoError(t, s.Stop())
		<-s.Exited()
		assert.True(t, gone(pid), "pid %d still exists", pid)
		assert.NoError(t, s.Stop(), "a second Stop says the same")
	})

	t.Run("a child that ignores SIGTERM is killed after the bound", func(t *testing.T) {
		s := start(t, "stubborn", procserver.Options{StopTimeout: 200 * time.Millisecond})
		pid := s.PID()
		err := s.Stop()
		require.Error(t, err)
		assert.Contains(t, err.Error(), "ignored SIGTERM")
		assert.True(t, gone(pid), "pid %d still exists", pid)
	})
}

func TestWindow(t *testing.T) {
	const tick = 10 * time.Millisecond // /proc's clock tick

	t.Run("CPU time grows by what the child burned in the window", func(t *testing.T) {
		s := start(t, "server", procserver.Options{})
		u := usageOf(t, s, "burn 200")
		assert.GreaterOrEqual(t, u.CPU, 200*time.Millisecond-2*tick)
		assert.Greater(t, u.PeakRSS, int64(0))
		assert.GreaterOrEqual(t, u.HighWater, u.PeakRSS, "VmHWM is at least anything sampled before it")
		assert.Equal(t, 1, u.MaxProcs)
		assert.GreaterOrEqual(t, u.Samples, 2)
	})

	for _, tc := range []struct {
		name  string
		cmd   string // the helper burns 150ms in a child, which it leaves running or reaps
		procs int    // the tree's processes after the command
	}{
		{"a live descendant's CPU time and memory count", "fork 150", 2},
		{"a reaped child's CPU time still counts", "spawn 150", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := start(t, "server", procserver.Options{})
			before, err := s.Sample()
			require.NoError(t, err)
			reply := ask(t, s, tc.cmd)
			require.True(t, strings.HasPrefix(reply, "burned "), reply)
			after, err := s.Sample()
			require.NoError(t, err)
			assert.Equal(t, tc.procs, after.Procs)
			assert.GreaterOrEqual(t, after.CPU-before.CPU, 150*time.Millisecond-2*tick)
			if tc.procs > 1 {
				assert.Greater(t, after.RSS, before.RSS, "the live child's memory")
			}
		})
	}

	t.Run("peak memory sees what the child allocated", func(t *testing.T) {
		s := start(t, "server", procserver.Options{})
		u := usageOf(t, s, "alloc 64")
		assert.Greater(t, u.PeakRSS, int64(64<<20))
	})

	t.Run("a child that dies in the window makes End an error", func(t *testing.T) {
		s := start(t, "server", procserver.Options{})
		w, err := s.Begin()
		require.NoError(t, err)
		require.NoError(t, s.Stop())
		_, err = w.End()
		assert.Error(t, err)
	})
}

func TestProportional(t *testing.T) {
	t.Run("a tree's proportional size grows by what a member allocated", func(t *testing.T) {
		s := start(t, "server", procserver.Options{})
		before, err := s.Proportional()
		require.NoError(t, err)
		assert.Positive(t, before)
		ask(t, s, "alloc 32")
		after, err := s.Proportional()
		require.NoError(t, err)
		assert.Greater(t, after-before, int64(30<<20))
	})

	t.Run("a forked member counts, and no more than its resident size", func(t *testing.T) {
		s := start(t, "server", procserver.Options{})
		before, err := s.Proportional()
		require.NoError(t, err)
		reply := ask(t, s, "fork 10")
		require.True(t, strings.HasPrefix(reply, "burned "), reply)
		after, err := s.Proportional()
		require.NoError(t, err)
		smp, err := s.Sample()
		require.NoError(t, err)
		assert.Greater(t, after, before)
		assert.LessOrEqual(t, after, smp.RSS+1<<20, "Pss counts a shared page at most once")
	})
}
