package multiprocess_test

import (
	"bufio"
	"context"
	"fmt"
	"net"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/multiprocess"
	"github.com/netlab-go/netlab/multiprocess/services"
)

// Two chat clients, each served by a process of its own, talk through the
// hub in the parent. The program's main (here, TestMain) calls
// multiprocess.IsChild first, and importing services registers echo, chat
// and files.
func Example() {
	srv, err := multiprocess.New(services.Chat(), netlab.Config{}, multiprocess.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	go srv.Serve(l)

	// Each client reads its welcome before the next connects, so that
	// ann is surely guest-1.
	ann, _ := net.Dial("tcp", l.Addr().String())
	annLines := bufio.NewReader(ann)
	readLine(annLines)
	bob, _ := net.Dial("tcp", l.Addr().String())
	bobLines := bufio.NewReader(bob)
	readLine(bobLines)
	fmt.Println("children:", len(srv.Children()))

	fmt.Fprintln(bob, "hello from another process")
	readLine(annLines)
	readLine(annLines)

	ann.Close()
	bob.Close()
	srv.Shutdown(context.Background())
	fmt.Println("children after shutdown:", len(srv.Children()))
	// Output:
	// * welcome guest-1
	// * welcome guest-2
	// children: 2
	// * guest-2 joined
	// guest-2: hello from another process
	// children after shutdown: 0
}

func readLine(r *bufio.Reader) {
	line, err := r.ReadString('\n')
	if err != nil {
		fmt.Println(err)
	}
	fmt.Print(line)
}
