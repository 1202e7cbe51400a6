package main

import (
	"bufio"
	"bytes"
	"errors"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// runNetlab runs the built netlab binary with args and returns its exit
// status, standard output and standard error.
func runNetlab(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), netlabBin, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = 10 * time.Second
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		require.NoError(t, err, "netlab %s did not run", strings.Join(args, " "))
	}
	return cmd.ProcessState.ExitCode(), stdout.String(), stderr.String()
}

// closedPort returns an address on which nothing listens.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}

func TestExitStatuses(t *testing.T) {
	t.Run("help goes to standard output and exits 0", func(t *testing.T) {
		for _, args := range [][]string{nil, {"-h"}, {"help"}, {"--help"}} {
			code, stdout, stderr := runNetlab(t, "", args...)
			assert.Equal(t, 0, code, "netlab %v", args)
			assert.Contains(t, stdout, "Usage:", "netlab %v", args)
			assert.Empty(t, stderr, "netlab %v", args)
		}
	})

	t.Run("a command's help goes to standard output and exits 0", func(t *testing.T) {
		for _, tt := range []struct {
			name string
			args []string
		}{
			{"serve", []string{"help", "serve"}},
			{"serve", []string{"serve", "-h"}},
			{"echo", []string{"help", "echo"}},
			{"files", []string{"files", "-help"}},
			{"chat", []string{"help", "chat"}},
		} {
			code, stdout, stderr := runNetlab(t, "", tt.args...)
			assert.Equal(t, 0, code, "netlab %v", tt.args)
			assert.Contains(t, stdout, "Usage: netlab "+tt.name, "netlab %v", tt.args)
			assert.Contains(t, stdout, "-addr HOST:PORT", "netlab %v", tt.args)
			assert.Empty(t, stderr, "netlab %v", tt.args)
		}
	})

	t.Run("the top-level usage is aligned and fits 80 columns", func(t *testing.T) {
		_, stdout, _ := runNetlab(t, "")
		for _, line := range strings.Split(stdout, "\n") {
			assert.LessOrEqual(t, len([]rune(line)), 80, "%q", line)
		}
		_, commands, ok := strings.Cut(stdout, "Commands:\n")
		require.True(t, ok)
		commands, _, _ = strings.Cut(commands, "\n\n")
		var col int
		for _, line := range strings.Split(commands, "\n") {
			fields := strings.Fields(line)
			require.GreaterOrEqual(t, len(fields), 2, "%q", line)
			c := strings.Index(line, fields[1])
			if col == 0 {
				col = c
			}
			assert.Equal(t, col, c, "the description of %s starts in its own column", fields[0])
		}
	})

	t.Run("usage errors exit 2 and say what is wrong on standard error", func(t *testing.T) {
		for _, tt := range []struct {
			args []string
			want string
		}{
			{[]string{"help", "nosuch"}, "no such command"},
			{[]string{"nosuch"}, `unknown command "nosuch"`},
			{[]string{"serve", "-bogus"}, "flag provided but not defined: -bogus"},
			{[]string{"serve", "-model", "perconn", "-service", "echo", "-workers", "3"}, "-workers is not read by -model perconn"},
			{[]string{"serve", "-model", "multiprocess", "-service", "echo", "-procs", "-3"}, "-procs must be at least 0"},
			{[]string{"serve", "-max-pending", "lots"}, `"lots" is not a size`},
			{[]string{"echo", "extra"}, `unexpected argument "extra"`},
			{[]string{"files", "-bogus"}, "flag provided but not defined"},
			{[]string{"files", "-addr", "127.0.0.1:1", "fetch"}, `unknown action "fetch"`},
			{[]string{"chat", "-addr", "127.0.0.1:1", "-name", "no way"}, `-name "no way"`},
		} {
			code, stdout, stderr := runNetlab(t, "", tt.args...)
			assert.Equal(t, 2, code, "netlab %v", tt.args)
			assert.Contains(t, stderr, tt.want, "netlab %v", tt.args)
			assert.Empty(t, stdout, "netlab %v", tt.args)
		}
	})

	t.Run("a refused connection exits 1", func(t *testing.T) {
		addr := closedPort(t)
		for _, args := range [][]string{{"echo", "-addr", addr}, {"chat", "-addr", addr}, {"files", "-addr", addr, "ls"}} {
			code, _, stderr := runNetlab(t, "", args...)
			assert.Equal(t, 1, code, "netlab %v", args)
			assert.Contains(t, stderr, "connection refused", "netlab %v", args)
		}
	})

	t.Run("a port in use exits 1", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		t.Cleanup(func() { l.Close() })
		code, _, stderr := runNetlab(t, "", "serve", "-model", "perconn", "-service", "echo", "-addr", l.Addr().String())
		assert.Equal(t, 1, code)
		assert.Contains(t, stderr, "address already in use")
	})

	t.Run("a file that is not there exits 1", func(t *testing.T) {
		p := startServe(t, "-model", "perconn", "-service", "files", "-addr", "127.0.0.1:0", "-root", t.TempDir())
		code, _, stderr := runNetlab(t, "", "files", "-addr", p.addr, "-dir", t.TempDir(), "get", "nosuch.txt")
		assert.Equal(t, 1, code)
		assert.Contains(t, stderr, "not found")
	})

	t.Run("a client interrupted by Ctrl-C exits 130", func(t *testing.T) {
		p := startServe(t, "-model", "perconn", "-service", "echo", "-addr", "127.0.0.1:0")
		cmd := exec.Command(netlabBin, "echo", "-addr", p.addr)
		in, err := cmd.StdinPipe()
		require.NoError(t, err)
		out, err := cmd.StdoutPipe()
		require.NoError(t, err)
		require.NoError(t, cmd.Start())
		t.Cleanup(func() { in.Close(); cmd.Process.Kill(); cmd.Wait() })
		_, err = in.Write([]byte("still here\n"))
		require.NoError(t, err)
		expectLine(t, bufio.NewReader(out), "still here\n") // connected, and waiting for more
		require.NoError(t, cmd.Process.Signal(os.Interrupt))
		err = cmd.Wait()
		var exit *exec.ExitError
		require.ErrorAs(t, err, &exit)
		assert.Equal(t, 130, exit.ExitCode())
	})

	t.Run("a server stopped by SIGINT exits 0 once it has shut down", func(t *testing.T) {
		p := startServe(t, "-model", "perconn", "-service", "echo", "-addr", "127.0.0.1:0")
		require.NoError(t, p.cmd.Process.Signal(os.Interrupt))
		assert.NoError(t, p.cmd.Wait())
	})
}
