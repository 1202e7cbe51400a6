package process

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netlab-go/netlab/labs/labkit"
)

// envServer makes the test binary the server under test, in a process of
// its own, so that a crash in it fails a test instead of ending the run.
const envServer = "LAB_PROCESS_SERVER"

// envStarted marks the processes the server starts.
const envStarted = "LAB_PROCESS_SERVER_CHILD"

func TestMain(m *testing.M) {
	if IsWorker() {
		os.Exit(RunWorker())
	}
	if os.Getenv(envStarted) != "" {
		// A child of the server that is not a worker: without this it
		// would serve, or run the tests, and start children of its own.
		fmt.Fprintln(os.Stderr, "started by the server without a message to answer: set cmd.Env = workerEnv(msg)")
		os.Exit(2)
	}
	if os.Getenv(envServer) != "" {
		os.Setenv(envStarted, "1") // inherited by whatever the server starts
		os.Exit(runServer())
	}
	labkit.Main(m)
}

// runServer serves on a fresh port and says which on stdout.
func runServer() int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println(l.Addr())
	if err := Serve(l); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// A server is the server process the test started.
type server struct {
	addr   string
	pid    int
	pids   string // the file each worker appends its PID to
	mu     sync.Mutex
	stderr bytes.Buffer // what the server and its workers printed; guarded by mu
}

func (s *server) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stderr.Write(p)
}

// start runs the server in a child process and kills it (by its PID) when
// the test ends.
func start(t *testing.T) *server {
	s := &server{pids: filepath.Join(t.TempDir(), "pids")}
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), envServer+"=1", envPIDFile+"="+s.pids)
	cmd.Stderr = s
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	line, err := bufio.NewReader(out).ReadString('\n')
	require.NoError(t, err, "the server process says its address")
	s.addr, s.pid = strings.TrimSpace(line), cmd.Process.Pid
	return s
}

// workers returns the PIDs of the workers that ran, in order.
func (s *server) workers(t *testing.T) []string {
	b, err := os.ReadFile(s.pids)
	if os.IsNotExist(err) {
		return nil
	}
	require.NoError(t, err)
	return strings.Fields(string(b))
}

func TestHelloAndGoodAreAnswered(t *testing.T) {
	s := start(t)
	c, r := labkit.Dial(t, s.addr)
	for msg, want := range map[string]string{"Hello": "Hello Client", "Good": "Good Afternoon", "Hi": "? Hi"} {
		labkit.Send(t, c, msg+"\n")
		labkit.ExpectLine(t, c, r, want, "each message is answered")
	}
}

func TestEachReplyComesFromANewProcess(t *testing.T) {
	s := start(t)
	c, r := labkit.Dial(t, s.addr)
	labkit.Send(t, c, "Hello\n")
	labkit.ExpectLine(t, c, r, "Hello Client", "each message is answered")
	labkit.Send(t, c, "Good\n")
	labkit.ExpectLine(t, c, r, "Good Afternoon", "each message is answered")
	pids := s.workers(t)
	require.Len(t, pids, 2, "two messages were answered and %d worker processes ran: "+
		"answer each message from a new process (exec.Command of os.Executable, the socket as ExtraFiles)", len(pids))
	assert.NotEqual(t, pids[0], pids[1], "each message has a process of its own")
	for _, p := range pids {
		assert.NotEqual(t, itoa(s.pid), p, "a worker is not the server")
	}
}

func TestACrashingWorkerLeavesTheServerUp(t *testing.T) {
	s := start(t)
	c, r := labkit.Dial(t, s.addr)
	other, ro := labkit.Dial(t, s.addr)
	labkit.Send(t, other, "Hello\n")
	labkit.ExpectLine(t, other, ro, "Hello Client", "each message is answered")
	labkit.Send(t, c, "Crash\n")
	line, err := labkit.ReadLine(c, r, labkit.Patience)
	if err != nil {
		t.Fatalf("after \"Crash\" the connection ended (%v): the crash took down the whole server, "+
			"with every client — run each message in a process of its own, and tell the client when that process dies", err)
	}
	assert.True(t, strings.HasPrefix(line, "! "), "after a worker crashed the client is told, with a line starting \"! \"; got %q", line)
	labkit.Send(t, c, "Hello\n")
	labkit.ExpectLine(t, c, r, "Hello Client", "the client whose worker crashed is still served")
	labkit.Send(t, other, "Good\n")
	labkit.ExpectLine(t, other, ro, "Good Afternoon", "the other client never noticed")
}
