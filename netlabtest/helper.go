package netlabtest

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netlab-go/netlab"
)

// A Helper is a process a benchmark talks to by lines, in the
// helper-process pattern of os/exec's tests: a server measured apart from
// its clients, or clients apart from their server, so that each side's CPU
// time, descriptors and heap can be told apart. It answers every line on
// its standard input with a line on its standard output, whose first word
// says what it is, and exits when its input ends. [ServeHelper] is the
// body of such a process for a server.
type Helper struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Reader
}

// StartHelper starts cmd as a helper, its standard error the test's, and
// stops it when the test ends ([Helper.Stop]), failing the test if it does
// not then exit cleanly. cmd is usually the test binary itself, run again
// with an environment variable that names its role.
func StartHelper(tb testing.TB, cmd *exec.Cmd) *Helper {
	tb.Helper()
	cmd.Stderr = os.Stderr
	cmd.WaitDelay = 10 * time.Second
	in, err := cmd.StdinPipe()
	require.NoError(tb, err)
	out, err := cmd.StdoutPipe()
	require.NoError(tb, err)
	require.NoError(tb, cmd.Start(), "start helper %s", cmd.Args)
	h := &Helper{cmd: cmd, in: in, out: bufio.NewReader(out)}
	tb.Cleanup(func() {
		assert.NoError(tb, h.Stop(), "helper %s", cmd.Args)
	})
	return h
}

// Ask sends the line cmd (nothing, if cmd is "") and returns the fields of
// the next line the helper prints, failing the test unless the first is
// want.
func (h *Helper) Ask(tb testing.TB, cmd, want string) []string {
	tb.Helper()
	if cmd != "" {
		_, err := fmt.Fprintln(h.in, cmd)
		require.NoError(tb, err, "helper: send %q", cmd)
	}
	line, err := h.out.ReadString('\n')
	require.NoError(tb, err, "helper: read the answer to %q", cmd)
	f := strings.Fields(line)
	require.True(tb, len(f) > 0 && f[0] == want, "helper: got %q, want %q", line, want)
	return f
}

// CPU asks a [ServeHelper] process for the CPU time it has used so far,
// user and kernel.
func (h *Helper) CPU(tb testing.TB) time.Duration {
	tb.Helper()
	f := h.Ask(tb, "cpu", "cpu")
	require.Len(tb, f, 3, "helper: cpu line")
	user, err1 := strconv.ParseInt(f[1], 10, 64)
	sys, err2 := strconv.ParseInt(f[2], 10, 64)
	require.NoError(tb, errors.Join(err1, err2), "helper: cpu line %q", f)
	return time.Duration(user+sys) * time.Microsecond
}

// Stop closes the helper's input, which tells it to finish, and waits for
// it to exit. Calls after the first return nil.
func (h *Helper) Stop() error {
	if h.in == nil {
		return nil
	}
	h.in.Close()
	h.in = nil
	return h.cmd.Wait()
}

// ServeHelper is the body of a helper process that serves srv: it serves
// srv on a fresh loopback port ([Loopback]), prints "listening ADDR",
// answers each line "cpu" with "cpu USER SYSTEM", the CPU time cpu reports
// in µs, and once its input ends stops srv ([Running.Stop]) and returns.
func ServeHelper(srv netlab.Server, cpu func() (user, sys int64, err error)) error {
	r := Loopback(srv)
	fmt.Printf("listening %s\n", r.Addr)
	// Standard input (a pipe from the benchmark) is made non-blocking so
	// that the runtime reads it through its netpoller, as it reads a
	// socket. Read with blocking read(2)s, it would hold a thread and its
	// processor in a system call between commands, and the scheduler's
	// monitor would take that processor back and poll every 20 µs: a cost
	// charged to the very server being measured.
	if err := syscall.SetNonblock(0, true); err != nil {
		return errors.Join(fmt.Errorf("stdin: %w", err), r.Stop())
	}
	in := bufio.NewScanner(os.NewFile(0, "stdin"))
	for in.Scan() {
		if in.Text() != "cpu" {
			return errors.Join(fmt.Errorf("unknown command %q", in.Text()), r.Stop())
		}
		user, sys, err := cpu()
		if err != nil {
			return errors.Join(err, r.Stop())
		}
		fmt.Printf("cpu %d %d\n", user, sys)
	}
	return r.Stop()
}
