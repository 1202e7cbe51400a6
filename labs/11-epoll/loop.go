//go:build linux

package epoll

import (
	"errors"
	"fmt"
	"net"
	"os"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// A Server is one epoll loop serving echo. Serve runs the loop; Close
// stops it from any goroutine.
type Server struct {
	epfd   int           // the epoll instance
	lfd    int           // the listening socket, non-blocking
	wakefd int           // an eventfd: Close writes to it to wake the loop
	conns  map[int]*conn // loop-owned: every connection by its fd
	buf    []byte        // loop-owned: where read puts what it reads
	open   atomic.Int64  // connections in conns, for tests
}

// conn is one client: its socket and what is still to be sent to it.
type conn struct {
	fd       int
	out      []byte // read but not yet written back
	watchOut bool   // EPOLLOUT is in the interest set
}

// Listen makes a server listening on addr (host:port).
func Listen(addr string) (*Server, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	defer l.Close() // the server keeps its own duplicate of the socket
	f, err := l.(*net.TCPListener).File()
	if err != nil {
		return nil, err
	}
	lfd, err := unix.Dup(int(f.Fd()))
	f.Close()
	if err != nil {
		return nil, os.NewSyscallError("dup", err)
	}
	s := &Server{lfd: lfd, conns: map[int]*conn{}, buf: make([]byte, 64<<10)}
	if err := s.init(); err != nil {
		unix.Close(lfd)
		return nil, err
	}
	return s, nil
}

func (s *Server) init() (err error) {
	if err := unix.SetNonblock(s.lfd, true); err != nil {
		return os.NewSyscallError("setnonblock", err)
	}
	if s.epfd, err = unix.EpollCreate1(unix.EPOLL_CLOEXEC); err != nil {
		return os.NewSyscallError("epoll_create1", err)
	}
	if s.wakefd, err = unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC); err != nil {
		return os.NewSyscallError("eventfd", err)
	}
	for _, fd := range []int{s.lfd, s.wakefd} {
		if err := unix.EpollCtl(s.epfd, unix.EPOLL_CTL_ADD, fd, &unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(fd)}); err != nil {
			return os.NewSyscallError("epoll_ctl", err)
		}
	}
	return nil
}

// Addr returns the address the server listens on.
func (s *Server) Addr() string {
	sa, err := unix.Getsockname(s.lfd)
	if err != nil {
		return ""
	}
	a := sa.(*unix.SockaddrInet4)
	return fmt.Sprintf("%d.%d.%d.%d:%d", a.Addr[0], a.Addr[1], a.Addr[2], a.Addr[3], a.Port)
}

// Open returns how many connections the loop holds.
func (s *Server) Open() int { return int(s.open.Load()) }

// Close wakes the loop, which closes every connection and returns.
func (s *Server) Close() error {
	var one [8]byte
	one[0] = 1 // an eventfd counter is a native-endian uint64; 1 is 1 either way round on a little-endian machine
	_, err := unix.Write(s.wakefd, one[:])
	return os.NewSyscallError("write eventfd", err)
}

// Serve runs the loop until Close, and returns nil then.
func (s *Server) Serve() error {
	defer s.shutdown()
	events := make([]unix.EpollEvent, 128)
	for {
		n, err := unix.EpollWait(s.epfd, events, -1)
		if errors.Is(err, unix.EINTR) {
			continue // a signal interrupted the wait; nothing happened
		}
		if err != nil {
			return os.NewSyscallError("epoll_wait", err)
		}
		for _, ev := range events[:n] {
			fd := int(ev.Fd)
			switch fd {
			case s.wakefd:
				return nil
			case s.lfd:
				s.accept()
			default:
				c := s.conns[fd]
				if c == nil {
					continue // closed by an earlier event of this batch
				}
				if ev.Events&(unix.EPOLLIN|unix.EPOLLHUP|unix.EPOLLERR) != 0 {
					s.read(c)
				}
				if s.conns[fd] == c && ev.Events&unix.EPOLLOUT != 0 {
					s.write(c)
				}
			}
		}
	}
}

// accept takes every connection waiting on the listener.
func (s *Server) accept() {
	for {
		fd, _, err := unix.Accept4(s.lfd, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
		if err != nil {
			return // EAGAIN: none left; anything else: the client gave up
		}
		if err := unix.EpollCtl(s.epfd, unix.EPOLL_CTL_ADD, fd, &unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(fd)}); err != nil {
			unix.Close(fd)
			continue
		}
		s.conns[fd] = &conn{fd: fd}
		s.open.Add(1)
	}
}

// watch sets what the loop waits for on c: always input, and output while
// c has bytes the kernel would not take.
func (s *Server) watch(c *conn, out bool) error {
	if c.watchOut == out {
		return nil
	}
	ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(c.fd)}
	if out {
		ev.Events |= unix.EPOLLOUT
	}
	c.watchOut = out
	return os.NewSyscallError("epoll_ctl", unix.EpollCtl(s.epfd, unix.EPOLL_CTL_MOD, c.fd, &ev))
}

// forget drops c from the loop's table.
func (s *Server) forget(c *conn) {
	delete(s.conns, c.fd)
	s.open.Add(-1)
}

func (s *Server) shutdown() {
	for _, c := range s.conns {
		s.close(c)
	}
	unix.Close(s.lfd)
	unix.Close(s.wakefd)
	unix.Close(s.epfd)
}
