//go:build linux

package procserver_test

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/netlab-go/netlab/netlabtest"
)

// helperEnv names the test binary's role when it is re-executed as a
// child, as os/exec's TestHelperProcess does.
const helperEnv = "NETLAB_PROCSERVER_HELPER"

// TestMain runs the helper when the binary is a child, and otherwise the
// tests, failing if any goroutine (a window's sampler, a child's reaper)
// outlives them.
func TestMain(m *testing.M) {
	netlabtest.Main(m, netlabtest.Role{
		Plays: func() bool { return os.Getenv(helperEnv) != "" },
		Run:   func() int { helper(os.Getenv(helperEnv), os.Args[1:]); return 0 },
	})
}

// helperArgv returns the command line that re-runs this binary as role.
func helperArgv(role string) ([]string, []string) {
	return []string{os.Args[0]}, append(os.Environ(), helperEnv+"="+role)
}

// helper is the child: a tiny line server whose commands make it spend CPU
// and memory on demand, each answered once done, so that a test knows
// exactly when to sample.
func helper(role string, args []string) {
	switch role {
	case "fail":
		fmt.Fprintln(os.Stderr, "helper: bad flag -nope")
		os.Exit(2)
	case "pingpong":
		conns, _ := strconv.Atoi(args[1])
		d, _ := time.ParseDuration(args[2])
		pingPong(args[0], conns, d)
		return
	case "burner":
		ms, _ := strconv.Atoi(args[0])
		burn(time.Duration(ms) * time.Millisecond)
		fmt.Println("burned")
		// Stay alive, a live member of the tree, until killed.
		l, _ := net.Listen("tcp", "127.0.0.1:0")
		l.Accept()
		return
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	switch role {
	case "silent":
		l.Accept() // listens, never says so
		return
	case "stubborn":
		signal.Ignore(syscall.SIGTERM)
	}
	fmt.Printf("starting\nlistening on %s\n", l.Addr())
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		go serveHelper(c)
	}
}

var kept [][]byte // memory the helper holds on purpose

func serveHelper(c net.Conn) {
	defer c.Close()
	sc := bufio.NewScanner(c)
	for sc.Scan() {
		cmd, arg, _ := strings.Cut(sc.Text(), " ")
		n, _ := strconv.Atoi(arg)
		switch cmd {
		case "burn":
			burn(time.Duration(n) * time.Millisecond)
			fmt.Fprintln(c, "burned")
		case "alloc":
			b := make([]byte, n<<20)
			for i := range b {
				b[i] = byte(i)
			}
			kept = append(kept, b)
			fmt.Fprintln(c, "allocated")
		case "fork", "spawn":
			// fork leaves a child running that has burned n ms; spawn
			// waits for one that burns n ms and exits.
			argv, env := helperArgv("burner")
			child := exec.Command(argv[0], arg)
			child.Env = env
			out, _ := child.StdoutPipe()
			if err := child.Start(); err != nil {
				fmt.Fprintln(c, err)
				return
			}
			line, _ := bufio.NewReader(out).ReadString('\n')
			if cmd == "spawn" {
				child.Process.Kill()
				child.Wait()
			}
			fmt.Fprintf(c, "%s %d\n", strings.TrimSpace(line), child.Process.Pid)
		}
	}
}

// burn spins until this process has spent d more CPU time.
func burn(d time.Duration) {
	start := cpuTime()
	for x := 0; cpuTime()-start < d; x++ {
		for range 10000 {
			x = x*31 + 7
		}
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
