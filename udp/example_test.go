package udp_test

import (
	"context"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/chat"
	"github.com/netlab-go/netlab/echo"
	"github.com/netlab-go/netlab/udp"
)

// Echo over UDP: each datagram comes back to its sender.
func Example() {
	sock, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		panic(err)
	}
	srv := udp.New(echo.New(), netlab.Config{}, udp.Options{})
	served := make(chan error, 1)
	go func() { served <- srv.Serve(sock) }()

	c, err := udp.Dial(context.Background(), sock.LocalAddr().String())
	if err != nil {
		panic(err)
	}
	defer c.Close()
	reply, err := c.Echo([]byte("hello, datagram"), 5*time.Second)
	fmt.Printf("%s %v\n", reply, err)

	srv.Shutdown(context.Background())
	fmt.Println(<-served)
	// Output:
	// hello, datagram <nil>
	// netlab: server closed
}

// Chat over UDP: a peer joins with its first datagram, and every line the
// server says is one datagram.
func ExampleServer_chat() {
	sock, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		panic(err)
	}
	srv := udp.New(chat.New(chat.Options{}), netlab.Config{}, udp.Options{Lines: true})
	go srv.Serve(sock)
	defer srv.Close()

	c, err := udp.Dial(context.Background(), sock.LocalAddr().String())
	if err != nil {
		panic(err)
	}
	var out strings.Builder
	err = udp.Chat(context.Background(), c, strings.NewReader("/nick ann\n/who\n"), &out)
	fmt.Print(out.String())
	fmt.Println(err)
	// Output:
	// * welcome guest-1
	// * you are ann
	// * online: ann
	// * bye
	// <nil>
}
