package blocking_test

import (
	"context"
	"fmt"
	"log"
	"net"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/echo"
	"github.com/netlab-go/netlab/internal/blocking"
)

// serve is perconn's accept loop, whole, written against the engine: the
// engine accepts, and what a model decides is what becomes of each
// connection. iterative's is the same without the "go"; pool's hands the
// connection to a worker, which admits it. The package's tests serve with
// it too, so that they depend on no model package.
func serve(e *blocking.Engine, l net.Listener) error {
	return e.Serve(l, func(nc net.Conn) {
		if c := e.Admit(nc); c != nil {
			go c.Serve()
		}
	})
}

// Serve echo with the loop above, talk to it, and shut it down.
func Example() {
	e := blocking.NewEngine(echo.New(), netlab.Config{})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- serve(e, l) }()

	ctx := context.Background()
	c, err := echo.Dial(ctx, l.Addr().String())
	if err != nil {
		log.Fatal(err)
	}
	reply, err := c.Echo([]byte("hello, engine"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s\n", reply)
	c.Close()

	fmt.Println("shutdown:", e.Shutdown(ctx))
	fmt.Println("serve:", <-served)
	fmt.Printf("%+v\n", e.Stats())
	// Output:
	// hello, engine
	// shutdown: <nil>
	// serve: netlab: server closed
	// {Accepted:1 Refused:0 Active:0 Panics:0 Dropped:0}
}
