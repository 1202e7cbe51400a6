package process

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"strconv"
	"sync"

	"github.com/netlab-go/netlab/labs/labkit"
)

// Environment variables that make the program a worker.
const (
	envWorker  = "LAB_WORKER_MESSAGE" // the message to answer; set only in a worker
	envPIDFile = "LAB_WORKER_PIDS"    // if set, each worker appends its PID to this file
)

// Work is what a worker computes for one message. "Crash" crashes it, the
// way a bug does: a panic on a goroutine that does not recover it ends
// the whole process, whichever goroutine it was.
func Work(msg string) string {
	switch msg {
	case "Hello":
		return "Hello Client"
	case "Good":
		return "Good Afternoon"
	case "Crash":
		panic("Work: a bug, reached by the message " + msg)
	}
	return "? " + msg
}

// IsWorker reports whether this process was started to answer one message.
// A program calls it first thing in main (a test, in TestMain), and if it
// is true calls RunWorker and exits with its result.
func IsWorker() bool { return os.Getenv(envWorker) != "" }

// RunWorker answers the message in the environment on the socket at fd 3
// and returns the exit code.
func RunWorker() int {
	if path := os.Getenv(envPIDFile); path != "" {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err == nil {
			fmt.Fprintln(f, os.Getpid())
			f.Close()
		}
	}
	conn := os.NewFile(3, "client")
	if conn == nil {
		fmt.Fprintln(os.Stderr, "worker: no client socket at fd 3")
		return 2
	}
	if _, err := fmt.Fprintln(conn, Work(os.Getenv(envWorker))); err != nil {
		fmt.Fprintln(os.Stderr, "worker:", err)
		return 1
	}
	return 0
}

// workerEnv returns the environment of a worker for msg.
func workerEnv(msg string) []string {
	env := append(os.Environ(), envWorker+"="+msg)
	if os.Getenv("GORACE") == "" {
		// A -race binary pauses a second as it exits; a worker per message
		// would pay it on every reply.
		env = append(env, "GORACE=atexit_sleep_ms=0")
	}
	return env
}

// Serve accepts clients on l and answers each line a client sends with
// answer, in order, until l is closed; it returns nil once l is closed and
// every client has left.
func Serve(l net.Listener) error {
	var wg sync.WaitGroup
	defer wg.Wait()
	return labkit.Accept(l, func(c net.Conn) {
		wg.Go(func() {
			defer c.Close()
			lines := bufio.NewScanner(c)
			for lines.Scan() {
				if msg := lines.Text(); msg != "" {
					answer(c.(*net.TCPConn), msg)
				}
			}
		})
	})
}

// itoa is strconv.Itoa, for the tests' messages.
var itoa = strconv.Itoa
