package multiprocess

import (
	"fmt"
	"net"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// socketpair returns two connected Unix stream sockets, both close-on-exec:
// the flag is set atomically, as the sockets are made, so a child started
// by another goroutine at that very moment cannot inherit them. exec.Cmd
// clears it on the copies it hands the child as fd 3, 4, ….
func socketpair(name string) (parent, child *os.File, err error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("multiprocess: %s socketpair: %w", name, os.NewSyscallError("socketpair", err))
	}
	return os.NewFile(uintptr(fds[0]), name+"-parent"), os.NewFile(uintptr(fds[1]), name+"-child"), nil
}

// dupFile duplicates c's descriptor for a child to inherit.
//
// It does not use the File method of net.TCPConn or net.TCPListener,
// whose *os.File puts the descriptor into blocking mode when exec asks for
// its number. Blocking mode (O_NONBLOCK cleared) belongs to the open file
// description, which every duplicate shares, in this process and in every
// child that inherited it: one child started that way leaves the others'
// accept(2) blocked in the kernel, where closing the listener at shutdown
// no longer wakes it. A descriptor duplicated by hand and wrapped with
// os.NewFile keeps its mode.
func dupFile(c syscall.Conn, name string) (*os.File, error) {
	raw, err := c.SyscallConn()
	if err != nil {
		return nil, fmt.Errorf("multiprocess: %s descriptor: %w", name, err)
	}
	var fd int
	var dupErr error
	err = raw.Control(func(s uintptr) {
		fd, dupErr = unix.FcntlInt(s, unix.F_DUPFD_CLOEXEC, 0)
	})
	if err == nil {
		err = dupErr
	}
	if err != nil {
		return nil, fmt.Errorf("multiprocess: duplicate the %s descriptor: %w", name, os.NewSyscallError("fcntl", err))
	}
	return os.NewFile(uintptr(fd), name), nil
}

// asConn turns a socket into a net.Conn that the runtime's poller serves
// (so a blocked Read ends when it is closed) and closes f.
func asConn(f *os.File) (net.Conn, error) {
	defer f.Close()
	c, err := net.FileConn(f)
	if err != nil {
		return nil, fmt.Errorf("multiprocess: socketpair as a connection: %w", err)
	}
	return c, nil
}
