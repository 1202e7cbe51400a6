//go:build !starter

package process

import (
	"fmt"
	"net"
	"os"
	"os/exec"
)

// answer answers msg on conn from a new process: a worker started for
// this message alone, given the socket as fd 3, which writes the reply
// itself. The server waits for the worker, so replies keep their order; if
// the worker dies without answering, the server tells the client
// "! worker crashed: REASON" and goes on serving.
func answer(conn *net.TCPConn, msg string) {
	if err := spawn(conn, msg); err != nil {
		fmt.Fprintf(conn, "! worker crashed: %v\n", err)
	}
}

func spawn(conn *net.TCPConn, msg string) error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	f, err := conn.File() // a duplicate descriptor, for the child to inherit
	if err != nil {
		return err
	}
	defer f.Close()
	cmd := exec.Command(exe)
	cmd.Env = workerEnv(msg)
	cmd.ExtraFiles = []*os.File{f}
	cmd.Stderr = os.Stderr
	// Waiting here is the course's p.join(): this client's messages are
	// answered one after another, and no worker is left a zombie. Other
	// clients have goroutines of their own and are not held up.
	return cmd.Run()
}
