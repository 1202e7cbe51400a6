package pythontogo

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
	concpool "github.com/sourcegraph/conc/pool"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/chat"
	"github.com/netlab-go/netlab/perconn"
	"github.com/netlab-go/netlab/web"
)

// multiprocessing.Process(target=f).start() is exec.Command of the
// program itself (Go cannot fork a running runtime); p.join() is Wait.
// The course's loop calls p.start() and then p.join() for each message, so
// each child finishes before the next starts: serial. Start them all,
// then wait for them all, and they run at once.
func Example_multiprocessingProcess() {
	run := func(name string) *exec.Cmd {
		cmd := exec.Command(os.Args[0])
		cmd.Env = append(os.Environ(), envChild+"="+name)
		return cmd
	}
	var outputs []string
	var cmds []*exec.Cmd
	var outs []*strings.Builder
	for _, name := range []string{"Hello", "Good"} {
		cmd := run(name)
		out := &strings.Builder{}
		cmd.Stdout = out
		cmd.Start() // p.start(): both children run at once
		cmds, outs = append(cmds, cmd), append(outs, out)
	}
	for i, cmd := range cmds {
		cmd.Wait() // p.join()
		outputs = append(outputs, strings.Fields(outs[i].String())[0])
	}
	fmt.Println("children:", outputs, "- each in a process of its own:", cmds[0].Process.Pid != cmds[1].Process.Pid)
	// Output: children: [Hello Good] - each in a process of its own: true
}

// concurrent.futures.ThreadPoolExecutor(max_workers=2) is conc's pool with
// a limit: at most two tasks run at once, and Wait collects the results.
func Example_threadPoolExecutor() {
	p := concpool.NewWithResults[int]().WithMaxGoroutines(2)
	for i := range 5 {
		p.Go(func() int { return i * i })
	}
	squares := p.Wait()
	slices.Sort(squares)
	fmt.Println(squares)
	// Output: [0 1 4 9 16]
}

// sock.sendto(data, addr) and sock.recvfrom(1024) are WriteTo and
// ReadFrom on a PacketConn: no connection, a peer is an address.
func Example_udpSendtoRecvfrom() {
	server, _ := net.ListenPacket("udp", "127.0.0.1:0")
	client, _ := net.ListenPacket("udp", "127.0.0.1:0")
	client.WriteTo([]byte("hello"), server.LocalAddr()) // sendto
	buf := make([]byte, 1024)
	n, from, _ := server.ReadFrom(buf) // recvfrom
	server.WriteTo([]byte(strings.ToUpper(string(buf[:n]))), from)
	n, _, _ = client.ReadFrom(buf)
	fmt.Println(string(buf[:n]), "from the server, which answered the address it heard from:", from.String() == client.LocalAddr().String())
	server.Close()
	client.Close()
	// Output: HELLO from the server, which answered the address it heard from: true
}

// tkinter's mainloop with a receiver thread that pushes lines into the
// window becomes a browser page: web serves the chat page, and its
// WebSocket is one more netlab.Conn, so the page is a member of the same
// room as TCP clients. The browser's own event loop is the mainloop; its
// WebSocket onmessage is the receiver thread. A Go WebSocket client plays
// the page here, and a TCP client in the same room speaks to it.
func Example_tkinterVsBrowserPage() {
	room := chat.New(chat.Options{})
	tcp, _ := net.Listen("tcp", "127.0.0.1:0")
	members := perconn.New(room, netlab.Config{})
	go members.Serve(tcp)
	browsers, _ := net.Listen("tcp", "127.0.0.1:0")
	pages := web.New(room, netlab.Config{}, web.WithPage(web.ChatPage))
	go pages.Serve(browsers)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	page, _, err := websocket.Dial(ctx, "ws://"+browsers.Addr().String()+"/ws", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	show := func() { // the receiver thread's one job: a line into the window
		_, line, _ := page.Read(ctx)
		fmt.Println("the page shows:", string(line))
	}
	show()
	terminal, _ := net.Dial("tcp", tcp.Addr().String())
	show()
	fmt.Fprintln(terminal, "hi from a terminal")
	show()
	terminal.Close()
	page.Close(websocket.StatusNormalClosure, "")
	members.Shutdown(ctx)
	pages.Shutdown(ctx)
	// Output:
	// the page shows: * welcome guest-1
	// the page shows: * guest-2 joined
	// the page shows: guest-2: hi from a terminal
}

// The GIL lets one Python thread run bytecode at a time; Go runs goroutines
// on GOMAXPROCS OS threads at once, one per core by default, so CPU-bound
// goroutines use every core.
func Example_gilVsGOMAXPROCS() {
	fmt.Println("goroutines run in parallel on", runtime.GOMAXPROCS(0) == runtime.NumCPU(), "cores: GOMAXPROCS == NumCPU")
	var wg sync.WaitGroup
	sums := make([]int, runtime.GOMAXPROCS(0))
	for i := range sums {
		wg.Go(func() {
			for j := range 1_000_000 {
				sums[i] += j & 1
			}
		})
	}
	wg.Wait()
	fmt.Println("each goroutine counted", sums[0])
	// Output:
	// goroutines run in parallel on true cores: GOMAXPROCS == NumCPU
	// each goroutine counted 500000
}

// recv(1024) returns what has arrived, not a message: one write of "hel"
// and one of "lo\n" may be read in two pieces (net.Pipe makes it certain).
// Frame by the LF — bufio.Reader.ReadString('\n') — never by the read.
func Example_recvIsNotAMessage() {
	client, server := net.Pipe()
	go func() {
		client.Write([]byte("hel"))
		client.Write([]byte("lo\n"))
		client.Write([]byte("hel"))
		client.Write([]byte("lo\n"))
		client.Close()
	}()
	buf := make([]byte, 1024)
	n, _ := server.Read(buf) // sock.recv(1024)
	fmt.Printf("one read: %q\n", buf[:n])
	r := bufio.NewReader(server)
	r.ReadString('\n') // the rest of the first line
	line, _ := r.ReadString('\n')
	fmt.Printf("one line: %q\n", line)
	// Output:
	// one read: "hel"
	// one line: "hello\n"
}

// The course's broadcast iterates a list of sockets while another thread
// removes a client from it. In Go the room's members are guarded by a
// mutex: whoever iterates or removes holds it, and a send never blocks
// while it is held (netlab's Conn.Send queues), so holding it is cheap.
func Example_membersUnderALock() {
	var mu sync.Mutex
	members := map[string]chan string{"ann": make(chan string, 8), "bob": make(chan string, 8)}
	broadcast := func(line string) {
		mu.Lock()
		defer mu.Unlock()
		for _, out := range members {
			select {
			case out <- line:
			default: // full: a real server drops this member
			}
		}
	}
	leave := func(name string) {
		mu.Lock()
		defer mu.Unlock()
		delete(members, name)
	}
	var wg sync.WaitGroup
	wg.Go(func() { broadcast("hello") })
	wg.Go(func() { leave("bob") })
	wg.Wait()
	broadcast("after bob left")
	mu.Lock()
	ann := members["ann"]
	mu.Unlock()
	var got []string
	for len(ann) > 0 {
		got = append(got, <-ann)
	}
	fmt.Println("ann heard the last line:", got[len(got)-1], "- members:", len(members))
	// Output: ann heard the last line: after bob left - members: 1
}
