//go:build linux

package procserver_test

import (
	"context"
	"fmt"

	"github.com/netlab-go/netlab/internal/procserver"
)

// Any program that prints `listening on HOST:PORT` can be started,
// measured and stopped; `netlab serve` is the usual one.
func ExampleStart() {
	argv := []string{"/bin/sh", "-c", "echo listening on 127.0.0.1:7; exec sleep 60"}
	srv, err := procserver.Start(context.Background(), argv, procserver.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("address:", srv.Addr)
	smp, err := srv.Sample()
	fmt.Println("processes:", smp.Procs, err)
	fmt.Println("stopped:", srv.Stop())
	// Output:
	// address: 127.0.0.1:7
	// processes: 1 <nil>
	// stopped: <nil>
}
