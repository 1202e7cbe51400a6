package netlab_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/perconn"
)

// shout is a service written against the contract: it answers every line in
// capitals. It never sees a socket — it is handed bytes and queues replies —
// so every model in netlab can run it unchanged.
type shout struct{}

func (shout) Open(c netlab.Conn) netlab.Session { return &shoutSession{c: c} }

type shoutSession struct {
	c    netlab.Conn
	line []byte // a line not yet ended; bytes arrive in any chunks
}

func (s *shoutSession) Data(p []byte) {
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			s.line = append(s.line, p...)
			return
		}
		s.line = append(s.line, p[:i+1]...)
		s.c.Send(bytes.ToUpper(s.line))
		s.line, p = s.line[:0], p[i+1:]
	}
}

func (s *shoutSession) EOF()         {} // the model flushes and closes
func (s *shoutSession) Closed(error) {}

// Example writes a service and serves it with the goroutine-per-connection
// model. Swap perconn.New for iterative.New, pool.New or eventloop.New and
// nothing else changes.
func Example() {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	srv := perconn.New(shout{}, netlab.Config{})
	go srv.Serve(l)
	defer srv.Shutdown(context.Background())

	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		panic(err)
	}
	defer c.Close()
	fmt.Fprint(c, "hello, ")       // a line may arrive in pieces…
	fmt.Fprint(c, "netlab\nbye\n") // …or several in one read
	r := bufio.NewReader(c)
	for range 2 {
		line, _ := r.ReadString('\n')
		fmt.Print(line)
	}
	// Output:
	// HELLO, NETLAB
	// BYE
}
