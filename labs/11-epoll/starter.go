//go:build linux && starter

package epoll

import "golang.org/x/sys/unix"

// read is called when c is readable: bytes have arrived, or the client
// closed (a read returns 0), or an error is pending. It reads what is
// there, queues it in c.out to be echoed, and writes.
func (s *Server) read(c *conn) {
	// TODO: read in a loop until unix.EAGAIN (nothing more for now):
	// a read of 0 bytes is the client closing — s.close(c) and return;
	// any other error closes too. Append what was read to c.out (copy it:
	// s.buf is reused), and call s.write(c) at the end.
	n, _ := unix.Read(c.fd, s.buf)
	if n > 0 {
		unix.Write(c.fd, s.buf[:n])
	}
}

// write sends as much of c.out as the kernel takes now. What it does not
// take waits for EPOLLOUT.
func (s *Server) write(c *conn) {
	// TODO: write c.out in a loop; a write may take only part of it. On
	// unix.EAGAIN keep the rest and s.watch(c, true) so that the loop
	// calls write again when the socket can take more; once c.out is
	// empty, s.watch(c, false). Any other error: s.close(c).
}

// close ends c: out of the epoll set, the socket closed, out of the table.
func (s *Server) close(c *conn) {
	// TODO: unix.EpollCtl with EPOLL_CTL_DEL, unix.Close, and s.forget(c)
	// so that the loop never looks the fd up again: the kernel reuses fd
	// numbers at once.
	unix.Close(c.fd)
}
