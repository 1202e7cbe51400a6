package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/netlab-go/netlab/internal/models"
	"github.com/netlab-go/netlab/multiprocess"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMain doubles as the netlab binary: with NETLAB_TEST_MAIN=1 in its
// environment the test executable runs main() with the arguments after
// "--" instead of the tests (os/exec's helper-process pattern). Tests use it
// to run `netlab serve` as a real process that outside clients talk to and
// that receives real signals.
func TestMain(m *testing.M) {
	if multiprocess.IsChild() {
		os.Exit(multiprocess.RunChild())
	}
	if os.Getenv("NETLAB_TEST_MAIN") == "1" {
		for i, a := range os.Args {
			if a == "--" {
				os.Args = append([]string{"netlab"}, os.Args[i+1:]...)
				break
			}
		}
		main()
		os.Exit(0)
	}
	dir, err := os.MkdirTemp("", "netlab-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "netlab tests:", err)
		os.Exit(1)
	}
	netlabBin = filepath.Join(dir, "netlab")
	if out, err := exec.Command("go", "build", "-o", netlabBin, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "netlab tests: go build: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	goleak.VerifyTestMain(m, goleak.Cleanup(func(code int) {
		os.RemoveAll(dir)
		os.Exit(code)
	}))
}

// netlabBin is the netlab binary, built once for the tests that run it as
// a user would (exit statuses, the docs' commands).
var netlabBin string

// netlabProcess is `netlab serve …` running in a child process.
type netlabProcess struct {
	cmd     *exec.Cmd
	addr    string        // the TCP address it listens on
	udpAddr string        // with -udp, the UDP address
	webURL  string        // with -web, the browser page's URL
	out     *bufio.Reader // the rest of its standard output
}

// startServe runs `netlab serve args…` in a child process and waits for its
// "listening on" line. The child is interrupted and waited for when the test
// ends.
func startServe(t *testing.T, args ...string) *netlabProcess {
	t.Helper()
	return startServeTo(t, &testWriter{t: t}, args...)
}

// startServeTo is startServe with the child's standard error written to
// stderr.
func startServeTo(t *testing.T, stderr io.Writer, args ...string) *netlabProcess {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"-test.run=^$", "--", "serve"}, args...)...)
	// A race-enabled binary sleeps a second at exit unless told not to.
	cmd.Env = append(os.Environ(), "NETLAB_TEST_MAIN=1", "GORACE=atexit_sleep_ms=0")
	cmd.Stderr = stderr
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	p := &netlabProcess{cmd: cmd, out: bufio.NewReader(stdout)}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Signal(os.Interrupt)
			cmd.Wait()
		}
	})
	line, err := p.out.ReadString('\n')
	require.NoError(t, err, "netlab serve %s: no 'listening on' line", strings.Join(args, " "))
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "listening on ")
	require.True(t, ok, "netlab serve printed %q, want 'listening on HOST:PORT'", line)
	p.addr = addr
	for _, a := range args {
		switch a {
		case "-udp":
			line, err := p.out.ReadString('\n')
			require.NoError(t, err)
			p.udpAddr, ok = strings.CutPrefix(strings.TrimSpace(line), "listening on udp ")
			require.True(t, ok, "netlab serve printed %q, want 'listening on udp HOST:PORT'", line)
		case "-web":
			line, err := p.out.ReadString('\n')
			require.NoError(t, err)
			p.webURL, ok = strings.CutPrefix(strings.TrimSpace(line), "serving the browser page on ")
			require.True(t, ok, "netlab serve printed %q, want 'serving the browser page on URL'", line)
		}
	}
	return p
}

// testWriter sends a child's standard error to the test log.
type testWriter struct{ t *testing.T }

func (w *testWriter) Write(p []byte) (int, error) {
	w.t.Logf("netlab: %s", bytes.TrimRight(p, "\n"))
	return len(p), nil
}

func dialRaw(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	require.NoError(t, err)
	c.SetDeadline(time.Now().Add(30 * time.Second))
	t.Cleanup(func() { c.Close() })
	return c
}

func expectLine(t *testing.T, r *bufio.Reader, want string) {
	t.Helper()
	got, err := r.ReadString('\n')
	require.NoError(t, err, "got %q (%v), want %q", got, err, want)
	require.Equal(t, want, got, "got %q (%v), want %q", got, err, want)
}

// The acceptance test, from outside: four clients connect to
// `netlab serve` at once and send a line. perconn answers all four while
// all are connected; iterative answers exactly one, and the next only when
// the one before has left.
func TestServeAnswersFourClientsAsTheModelSays(t *testing.T) {
	t.Run("perconn answers all four at once", func(t *testing.T) {
		p := startServe(t, "-model", "perconn", "-service", "echo", "-addr", "127.0.0.1:0")
		_, readers := fourClients(t, p.addr)
		for i, r := range readers {
			expectLine(t, r, fmt.Sprintf("client %d\n", i))
		}
	})

	t.Run("iterative answers exactly one, then the next as each leaves", func(t *testing.T) {
		logFile := filepath.Join(t.TempDir(), "serve.log")
		p := startServe(t, "-model", "iterative", "-service", "echo", "-addr", "127.0.0.1:0", "-log", logFile)
		conns, readers := fourClients(t, p.addr)
		for i := range 4 {
			expectLine(t, readers[i], fmt.Sprintf("client %d\n", i))
			// The server's log, written as things happen, shows it has
			// opened exactly the clients answered so far: the others are
			// still waiting in the listen backlog, unaccepted.
			require.Equal(t, i+1, countOpens(t, logFile))
			conns[i].Close()
		}
	})
}

// fourClients connects four clients to the echo server at addr, all at
// once, and has client i send "client i"; it returns their connections and
// readers, in order.
func fourClients(t *testing.T, addr string) ([]net.Conn, []*bufio.Reader) {
	t.Helper()
	var conns []net.Conn
	var readers []*bufio.Reader
	for i := range 4 {
		c := dialRaw(t, addr)
		fmt.Fprintf(c, "client %d\n", i)
		conns = append(conns, c)
		readers = append(readers, bufio.NewReader(c))
	}
	return conns, readers
}

// The pool issue's acceptance test, from outside: with -workers 2, two of
// four clients connected at once are answered; the third is answered only
// once one of the first two leaves.
func TestServePoolOfTwoAnswersTwoOfFourClients(t *testing.T) {
	logFile := filepath.Join(t.TempDir(), "serve.log")
	p := startServe(t, "-model", "pool", "-workers", "2", "-service", "echo", "-addr", "127.0.0.1:0", "-log", logFile)
	conns, readers := fourClients(t, p.addr)
	// Two sessions run; the other two clients wait unserved, so while the
	// first two are connected the server has opened exactly two sessions.
	expectLine(t, readers[0], "client 0\n")
	expectLine(t, readers[1], "client 1\n")
	require.EqualValues(t, 2, countOpens(t, logFile))
	conns[0].Close()
	expectLine(t, readers[2], "client 2\n")
	conns[1].Close()
	expectLine(t, readers[3], "client 3\n")
}

// Every model serves every service from the command line, as an outside
// client sees it: the first exchange of each protocol.
func TestServeRunsEveryModelAndService(t *testing.T) {
	greetings := map[string]struct{ send, want string }{
		"echo":     {"ping\n", "ping\n"},
		"chat":     {"", "* welcome guest-1\n"},
		"files":    {"LIST\n", "OK 0\n"},
		"tempconv": {"100\n", "212\n"},
	}
	for _, m := range models.Names() {
		for _, svc := range models.ServiceNames() {
			t.Run(m+"/"+svc, func(t *testing.T) {
				args := []string{"-model", m, "-service", svc, "-addr", "127.0.0.1:0"}
				if svc == "files" {
					args = append(args, "-root", t.TempDir())
				}
				p := startServe(t, args...)
				c := dialRaw(t, p.addr)
				g := greetings[svc]
				fmt.Fprint(c, g.send)
				expectLine(t, bufio.NewReader(c), g.want)
			})
		}
	}
}

var openRecord = regexp.MustCompile(`(?m)^\S+ 127\.0\.0\.1:\d+ open$`)

func countOpens(t *testing.T, logFile string) int {
	t.Helper()
	b, err := os.ReadFile(logFile)
	require.NoError(t, err)
	return len(openRecord.FindAll(b, -1))
}

func TestServeShutsDownGracefullyOnSIGTERM(t *testing.T) {
	p := startServe(t, "-model", "perconn", "-service", "echo", "-addr", "127.0.0.1:0")
	c := dialRaw(t, p.addr)
	r := bufio.NewReader(c)
	fmt.Fprint(c, "before\n")
	expectLine(t, r, "before\n")
	p.cmd.Process.Signal(syscall.SIGTERM)
	// The idle client is closed by the server, and the process exits 0.
	if rest, err := io.ReadAll(r); err != nil || len(rest) > 0 {
		t.Fatalf("after SIGTERM the client read %q (%v), want a clean close", rest, err)
	}
	c.Close() // the server lingers until the client closes its side too
	require.NoError(t, p.cmd.Wait(), "netlab serve after SIGTERM")
}

func TestServeRejectsBadCommandLines(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no flags", nil, "-model and -service are required"},
		{"an unknown model", []string{"-model", "forking", "-service", "echo", "-addr", "127.0.0.1:0"}, `-model "forking": want one of iterative, perconn`},
		{"an unknown service", []string{"-model", "perconn", "-service", "http", "-addr", "127.0.0.1:0"}, `-service "http": want one of echo, chat, files`},
		{"an address in use", []string{"-model", "perconn", "-service", "echo", "-addr", "256.0.0.1:1"}, "serve: listen tcp"},
		{"a size that is not one", []string{"-max-pending", "lots"}, `"lots" is not a size`},
		{"a pool's flag with another model", []string{"-model", "perconn", "-workers", "4", "-service", "echo"}, "-workers is not read by -model perconn (only by pool)"},
		{"a negative number of children", []string{"-model", "multiprocess", "-procs", "-3", "-service", "echo"}, "-procs must be at least 0"},
		{"no workers at all", []string{"-model", "pool", "-workers", "0", "-service", "echo"}, "-workers must be at least 1"},
		{"a folder for a service that serves none", []string{"-model", "perconn", "-service", "echo", "-root", "/tmp"}, "-root is not read by -service echo"},
		{"the browser page for files", []string{"-model", "perconn", "-service", "files", "-web", "127.0.0.1:0"}, "-service files is not served over -web"},
		{"UDP for files", []string{"-model", "perconn", "-service", "files", "-udp", "127.0.0.1:0"}, "-service files is not served over -udp"},
		{"a second transport beside child processes", []string{"-model", "multiprocess", "-service", "chat", "-udp", "127.0.0.1:0"}, "-udp with -model multiprocess"},
		{"a stray argument", []string{"-model", "perconn", "-service", "echo", "-addr", "127.0.0.1:0", "extra"}, `unexpected argument "extra"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(t.Context(), append([]string{"serve"}, tt.args...), nil, &stdout, &stderr)
			require.Error(t, err, "serve accepted a bad command line")
			assert.Contains(t, err.Error()+stderr.String(), tt.want, "the error, or what serve printed")
		})
	}
}

func TestEchoCommandSendsStdinAndPrintsTheReply(t *testing.T) {
	addr := serveInProcess(t, "perconn", "echo")
	var stdout, stderr bytes.Buffer
	in := strings.NewReader("hello\nworld\n")
	if err := run(t.Context(), []string{"echo", "-addr", addr}, in, &stdout, &stderr); err != nil {
		t.Fatalf("netlab echo: %v (%s)", err, stderr.String())
	}
	require.Equal(t, "hello\nworld\n", stdout.String())
}

// serveInProcess runs `netlab serve` in this process on a free port and
// returns its address; the server is shut down when the test ends.
func serveInProcess(t *testing.T, model, service string, extra ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		args := append([]string{"serve", "-model", model, "-service", service, "-addr", "127.0.0.1:0"}, extra...)
		done <- run(ctx, args, nil, pw, io.Discard)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		cancel()
		t.Fatalf("serve: %v (%v)", err, <-done)
	}
	go io.Copy(io.Discard, pr)
	t.Cleanup(func() {
		cancel()
		assert.NoError(t, <-done, "serve")
	})
	return strings.TrimSpace(strings.TrimPrefix(line, "listening on "))
}
