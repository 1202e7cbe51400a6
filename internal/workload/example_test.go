package workload_test

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/echo"
	"github.com/netlab-go/netlab/internal/workload"
	"github.com/netlab-go/netlab/perconn"
)

// The course's load client: 5 threads × 40 iterations, each a line
// "Thread k, iteration i" echoed back.
func ExampleLoad() {
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	srv := perconn.New(echo.New(), netlab.Config{})
	go srv.Serve(l)
	defer srv.Close()

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rep, err := workload.Load(ctx, workload.Spec{
		Addr:     l.Addr().String(),
		Service:  workload.ServiceEcho,
		Clients:  5,
		Requests: 40,
		Lines:    true,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d requests answered, %d errors, %d of %d clients served\n",
		rep.Requests, rep.Errors, rep.Served(), rep.Spec.Clients)
	// Output:
	// 200 requests answered, 0 errors, 5 of 5 clients served
}
