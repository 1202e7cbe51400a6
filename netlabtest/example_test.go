package netlabtest_test

import (
	"fmt"
	"net"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/chat"
	"github.com/netlab-go/netlab/netlabtest"
	"github.com/netlab-go/netlab/perconn"
)

// A session is a state machine: feed it bytes, read what it sent back.
func ExampleConn() {
	c := netlabtest.NewConn()
	s := chat.New(chat.Options{}).Open(c)
	fmt.Print(c.Take())
	s.Data([]byte("/nick ada\n"))
	fmt.Print(c.Take())
	s.Closed(nil)
	// Output:
	// * welcome guest-1
	// * you are ada
}

// Any service runs under any model on a loopback port; a Probe shows what
// the model does to the sessions it runs: here, that a client's half-close
// reaches the session as EOF before Closed.
func ExampleProbe() {
	eofs := make(chan string, 1)
	closed, closes := netlabtest.Closes()
	probe := &netlabtest.Probe{
		OnEOF:    func(c netlab.Conn) { eofs <- "EOF" },
		OnClosed: closed,
	}
	srv, err := netlabtest.Serve(netlabtest.Infallible(perconn.New), probe, netlab.Config{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Stop()

	c, err := net.Dial("tcp", srv.Addr)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	c.(*net.TCPConn).CloseWrite()
	fmt.Println(<-eofs)
	fmt.Println("Closed:", <-closes)
	// Output:
	// EOF
	// Closed: <nil>
}

// A Lines keeps what a child process writes, line by line, for a test to
// wait on: here, for the line that says the shortage is over.
func ExampleLines() {
	var log netlabtest.Lines
	recovered := log.Seen("accepting again")
	fmt.Fprint(&log, "accept: pausing accepts: too many open files\naccept: acce")
	fmt.Fprint(&log, "pting again\n")
	<-recovered
	fmt.Println(len(log.Matching("accept:")), "lines about accepting")
	// Output:
	// 2 lines about accepting
}
