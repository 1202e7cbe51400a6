package iterative_test

import (
	"context"
	"fmt"
	"log"
	"net"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/echo"
	"github.com/netlab-go/netlab/iterative"
)

// Serve echo one client at a time. The first client is answered; the
// second connects at once but is answered only after the first has left.
func Example() {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	srv := iterative.New(echo.New(), netlab.Config{})
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()

	ctx := context.Background()
	first, err := echo.Dial(ctx, l.Addr().String())
	if err != nil {
		log.Fatal(err)
	}
	reply, err := first.Echo([]byte("first"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s\n", reply)

	second, err := echo.Dial(ctx, l.Addr().String()) // connected, in the backlog
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("accepted while the first is served:", srv.Stats().Accepted)
	first.Close()
	reply, err = second.Echo([]byte("second")) // answered once the first has left
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s\n", reply)
	second.Close()

	if err := srv.Shutdown(ctx); err != nil {
		log.Fatal(err)
	}
	fmt.Println(<-served)
	fmt.Println("accepted in all:", srv.Stats().Accepted)
	// Output:
	// first
	// accepted while the first is served: 1
	// second
	// netlab: server closed
	// accepted in all: 2
}
