//go:build starter

package process

import (
	"fmt"
	"net"
)

// answer answers msg on conn from a new process: a worker started for
// this message alone, given the socket as fd 3, which writes the reply
// itself. The server waits for the worker, so replies keep their order; if
// the worker dies without answering, the server tells the client
// "! worker crashed: REASON" and goes on serving.
func answer(conn *net.TCPConn, msg string) {
	// TODO: this computes the reply in the server's own process, so a
	// message that crashes Work crashes the whole server, every client
	// with it. Start a worker instead:
	//   exe, _ := os.Executable()
	//   f, _ := conn.File()            // a duplicate of the socket; close it after
	//   cmd := exec.Command(exe)
	//   cmd.Env = workerEnv(msg)
	//   cmd.ExtraFiles = []*os.File{f} // becomes fd 3 in the worker
	//   cmd.Stderr = os.Stderr
	// Run it and wait (cmd.Run); on an error, tell the client it crashed.
	fmt.Fprintln(conn, Work(msg))
}
