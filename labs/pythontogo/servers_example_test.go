package pythontogo

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/echo"
	"github.com/netlab-go/netlab/eventloop"
	"github.com/netlab-go/netlab/netlabtest"
	"github.com/netlab-go/netlab/perconn"
)

// echoConn answers each line c sends until c closes: the course's handler.
func echoConn(c net.Conn) {
	defer c.Close()
	s := bufio.NewScanner(c)
	for s.Scan() {
		fmt.Fprintln(c, s.Text())
	}
}

// The course's iterative server serves a client to the end before the
// next accept; the concurrent one differs by one word, `go`. The second
// client below is answered while the first is still connected, which the
// iterative loop would never do.
func Example_iterativeVsConcurrent() {
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go echoConn(c) // iterative: echoConn(c)
		}
	}()
	first, _ := net.Dial("tcp", l.Addr().String())
	second, _ := net.Dial("tcp", l.Addr().String())
	fmt.Fprintln(second, "second client")
	reply, _ := bufio.NewReader(second).ReadString('\n')
	fmt.Print("answered while the first is connected: ", reply)
	first.Close()
	second.Close()
	l.Close()
	// Output: answered while the first is connected: second client
}

// socket.socket(AF_INET, SOCK_STREAM) + setsockopt(SO_REUSEADDR) + bind +
// listen is net.Listen, which sets SO_REUSEADDR itself on Unix: a server
// restarted at once may bind its port again while old connections linger
// in TIME_WAIT.
func Example_socketAndReuseAddr() {
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	f, _ := l.(*net.TCPListener).File()
	v, _ := syscall.GetsockoptInt(int(f.Fd()), syscall.SOL_SOCKET, syscall.SO_REUSEADDR)
	f.Close()
	addr := l.Addr().String()
	l.Close()
	again, err := net.Listen("tcp", addr)
	fmt.Println("SO_REUSEADDR:", v == 1, "- listened again on the same port:", err == nil)
	again.Close()
	// Output: SO_REUSEADDR: true - listened again on the same port: true
}

// socketserver.ThreadingTCPServer((host, port), Handler) is a thread per
// connection: netlab's perconn model, serving any netlab service.
func Example_threadingTCPServer() {
	srv, _ := netlabtest.Serve(func(svc netlab.Service, cfg netlab.Config) (netlab.Server, error) {
		return perconn.New(svc, cfg), nil
	}, echo.New(), netlab.Config{})
	c, _ := net.Dial("tcp", srv.Addr)
	fmt.Fprintln(c, "served by a goroutine of its own")
	reply, _ := bufio.NewReader(c).ReadString('\n')
	fmt.Print(reply)
	c.Close()
	fmt.Println(srv.Stop())
	// Output:
	// served by a goroutine of its own
	// <nil>
}

// select.select(readers, [], []) and selectors.DefaultSelector are an
// event loop over ready sockets: netlab's eventloop model, epoll on Linux,
// serving the very same echo service on one OS thread per loop.
func Example_selectAndSelectors() {
	srv, err := netlabtest.Serve(func(svc netlab.Service, cfg netlab.Config) (netlab.Server, error) {
		return eventloop.New(svc, cfg, eventloop.Options{Loops: 1})
	}, echo.New(), netlab.Config{})
	if err != nil {
		fmt.Println(err)
		return
	}
	var conns []net.Conn
	for i := range 3 {
		c, _ := net.Dial("tcp", srv.Addr)
		fmt.Fprintf(c, "client %d\n", i)
		conns = append(conns, c)
	}
	for _, c := range conns {
		reply, _ := bufio.NewReader(c).ReadString('\n')
		fmt.Print("one loop answered ", reply)
		c.Close()
	}
	fmt.Println(srv.Stop())
	// Output:
	// one loop answered client 0
	// one loop answered client 1
	// one loop answered client 2
	// <nil>
}

// asyncio's event loop is built into Go: a goroutine blocked in Read is
// parked by the runtime's netpoller (epoll on Linux), not an OS thread.
// Five hundred goroutines each blocked reading its own connection run on
// a handful of threads.
func Example_asyncio() {
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	accepted := make(chan net.Conn)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				close(accepted)
				return
			}
			accepted <- c
		}
	}()
	const n = 500
	var clients, servers []net.Conn
	blocked := make(chan struct{}, n)
	ended := make(chan struct{}, n)
	for range n {
		c, _ := net.Dial("tcp", l.Addr().String())
		clients = append(clients, c)
		s := <-accepted
		servers = append(servers, s)
		go func() {
			blocked <- struct{}{}
			s.Read(make([]byte, 1)) // parked in the netpoller until data or close
			ended <- struct{}{}
		}()
	}
	for range n {
		<-blocked
	}
	fmt.Printf("%d goroutines blocked in Read, on fewer than 100 OS threads: %v\n", n, osThreads() < 100)
	for i := range n {
		clients[i].Close()
		servers[i].Close()
	}
	for range n {
		<-ended
	}
	l.Close()
	<-accepted
	// Output: 500 goroutines blocked in Read, on fewer than 100 OS threads: true
}

// osThreads returns the process's OS threads, from /proc/self/status.
func osThreads() int {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return runtime.NumCPU() // not Linux: say something small
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "Threads:"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(rest))
			return n
		}
	}
	return 0
}
