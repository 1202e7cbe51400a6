package tempconv_test

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/tempconv"
	"github.com/netlab-go/netlab/udp"
)

// The converter over UDP: one datagram in, one out.
func Example() {
	sock, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		panic(err)
	}
	srv := udp.New(tempconv.New(), netlab.Config{}, udp.Options{Lines: true})
	go srv.Serve(sock)
	defer srv.Close()

	c, err := udp.Dial(context.Background(), sock.LocalAddr().String())
	if err != nil {
		panic(err)
	}
	defer c.Close()
	for _, celsius := range []string{"100", "36.6", "-40", "warm"} {
		f, err := c.Echo([]byte(celsius), 5*time.Second)
		if err != nil {
			panic(err)
		}
		fmt.Printf("%s °C: %s", celsius, f)
	}
	// Output:
	// 100 °C: 212
	// 36.6 °C: 97.88
	// -40 °C: -40
	// warm °C: ! not a number
}

// Reply is the whole protocol as a function of one line.
func ExampleReply() {
	fmt.Print(tempconv.Reply([]byte("21.5")))
	fmt.Print(tempconv.Reply([]byte("-300")))
	// Output:
	// 70.7
	// ! out of range
}
