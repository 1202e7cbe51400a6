//go:build linux && !starter

package epoll

import (
	"errors"

	"golang.org/x/sys/unix"
)

// read is called when c is readable: bytes have arrived, or the client
// closed (a read returns 0), or an error is pending. It reads what is
// there, queues it in c.out to be echoed, and writes.
func (s *Server) read(c *conn) {
	for {
		n, err := unix.Read(c.fd, s.buf)
		if errors.Is(err, unix.EAGAIN) {
			break // drained for now; epoll says when there is more
		}
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil || n == 0 {
			s.close(c) // an error, or the client's FIN
			return
		}
		c.out = append(c.out, s.buf[:n]...)
	}
	s.write(c)
}

// write sends as much of c.out as the kernel takes now. What it does not
// take waits for EPOLLOUT.
func (s *Server) write(c *conn) {
	for len(c.out) > 0 {
		n, err := unix.Write(c.fd, c.out)
		if errors.Is(err, unix.EAGAIN) {
			// The socket buffer is full: wait for room rather than spin.
			if err := s.watch(c, true); err != nil {
				s.close(c)
			}
			return
		}
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			s.close(c)
			return
		}
		c.out = c.out[n:]
	}
	c.out = nil
	// Level-triggered EPOLLOUT on an empty queue would wake the loop for
	// ever: watch output only while there is output.
	if err := s.watch(c, false); err != nil {
		s.close(c)
	}
}

// close ends c: out of the epoll set, the socket closed, out of the table.
func (s *Server) close(c *conn) {
	unix.EpollCtl(s.epfd, unix.EPOLL_CTL_DEL, c.fd, nil)
	unix.Close(c.fd)
	s.forget(c)
}
