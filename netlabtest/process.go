package netlabtest

import (
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// A Process is this test binary run again as a child, in the
// helper-process pattern of os/exec's tests: a server in a process of its
// own, to which a test may do what it must not do to itself — send its
// process group a signal, lower its descriptor limit, count its
// descriptors in /proc. Start one with [StartProcess]; the child chooses
// what to be from its environment, in its TestMain (see [Main]) or in a
// test of its own.
type Process struct {
	Stdin  io.WriteCloser // the child's standard input
	Stdout *Lines         // the child's standard output, as it comes
	Stderr *Lines         // the child's standard error, as it comes

	cmd    *exec.Cmd
	err    error         // what cmd.Wait returned; set before exited is closed
	exited chan struct{} // closed once the child has exited and been reaped
}

// StartProcess runs this test binary with args, or -test.run=^$ (no test:
// the TestMain plays a [Role]) if there are none, and with env added to
// this process's environment. The child runs in a process group of its
// own, so that a signal to the group reaches every process it forks and a
// Ctrl-C at the terminal does not. When the test ends, a child still
// running is killed with its group and reaped, and if the test failed the
// child's standard error is logged.
func StartProcess(t testing.TB, args []string, env ...string) *Process {
	t.Helper()
	if len(args) == 0 {
		args = []string{"-test.run=^$"}
	}
	exe, err := os.Executable()
	require.NoError(t, err)
	cmd := exec.Command(exe, args...)
	cmd.Env = append(os.Environ(), env...)
	// Under -race, exit at once instead of waiting a second for reports
	// from goroutines that are already gone.
	cmd.Env = append(cmd.Env, "GORACE="+strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	p := &Process{cmd: cmd, Stdout: &Lines{}, Stderr: &Lines{}, exited: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.Stdout, p.Stderr
	p.Stdin, err = cmd.StdinPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	go func() {
		// Wait returns once the child has exited and its output is all
		// copied into the Lines.
		p.err = cmd.Wait()
		p.Stdout.End()
		p.Stderr.End()
		close(p.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // the child and any process of its group
			<-p.exited
		}
		if t.Failed() {
			t.Logf("the child process's standard error:\n%s", p.Stderr)
		}
	})
	return p
}

// PID returns the child's process ID, which is also its process group's.
func (p *Process) PID() int { return p.cmd.Process.Pid }

// Wait waits up to [Timeout] for the child to exit and returns what
// [exec.Cmd.Wait] did: nil for exit status 0.
func (p *Process) Wait(t testing.TB) error {
	t.Helper()
	timer := time.NewTimer(Timeout)
	defer timer.Stop()
	select {
	case <-p.exited:
		return p.err
	case <-timer.C:
		t.Fatalf("the child process did not exit within %v", Timeout)
		return nil
	}
}

// AwaitLog waits up to [Timeout] until a line of the child's standard error
// holds substr; the test fails if none does, or if the child exits first.
func (p *Process) AwaitLog(t testing.TB, substr string) {
	t.Helper()
	timer := time.NewTimer(Timeout)
	defer timer.Stop()
	select {
	case <-p.Stderr.Seen(substr):
	case <-p.exited:
		if len(p.Stderr.Matching(substr)) == 0 {
			t.Fatalf("the child process exited, and no line of its standard error says %q", substr)
		}
	case <-timer.C:
		t.Fatalf("gave up after %v waiting for the child process to log %q", Timeout, substr)
	}
}
