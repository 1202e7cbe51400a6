package eventloop

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// The loop's calls on non-blocking descriptors, made raw.
//
// unix.Read and unix.Write go through syscall.Syscall, which tells the Go
// scheduler that the thread is entering the kernel and may stay there
// (entersyscall, exitsyscall): the scheduler's monitor (sysmon) then wakes
// every 20µs to see whether to hand the thread's processor to another
// goroutine, and each such wake-up is a nanosleep, a futex and a context
// switch of its own. A read or write on a non-blocking socket never waits,
// so telling the scheduler is pure cost: on the echo benchmark it was a
// fifth of a sysmon wake-up per request. These calls use RawSyscall, which
// does not tell it. Only calls that cannot block may: epoll_wait with a
// timeout other than zero, and sendfile (which waits for the disk), keep the
// ordinary path.
//
// The errors come back as unix.Errno values, compared with unix.EAGAIN and
// the like exactly as unix.Read's are (and, being small numbers, put in an
// error without allocating).

func rawRead(fd int, p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	return rawCall(unix.SYS_READ, fd, unsafe.Pointer(&p[0]), len(p))
}

func rawWrite(fd int, p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	return rawCall(unix.SYS_WRITE, fd, unsafe.Pointer(&p[0]), len(p))
}

// rawWritev writes iov, which the caller fills from its buffers and keeps
// between calls so that a writev allocates nothing (unix.Writev builds a
// fresh iovec array each time).
func rawWritev(fd int, iov []unix.Iovec) (int, error) {
	if len(iov) == 0 {
		return 0, nil
	}
	return rawCall(unix.SYS_WRITEV, fd, unsafe.Pointer(&iov[0]), len(iov))
}

// rawCall makes the system call trap(fd, p, n), which reads or writes the n
// bytes or iovecs at p, and returns its count. The caller keeps p's memory
// alive (it holds the slice); p becomes a number only in the call's
// argument list, as unsafe.Pointer's rules ask.
func rawCall(trap uintptr, fd int, p unsafe.Pointer, n int) (int, error) {
	r, _, e := unix.RawSyscall(trap, uintptr(fd), uintptr(p), uintptr(n))
	if e != 0 {
		return 0, e
	}
	return int(r), nil
}

// rawPoll is epoll_wait with a timeout of zero: it reports what is ready
// now and never waits. A busy loop finds events this way on most turns and
// never enters the scheduler's system-call path; only when nothing is ready
// does it sleep in the ordinary, blocking epoll_wait.
func rawPoll(epfd int, events []unix.EpollEvent) (int, error) {
	n, _, e := unix.RawSyscall6(unix.SYS_EPOLL_PWAIT, uintptr(epfd), uintptr(unsafe.Pointer(&events[0])), uintptr(len(events)), 0, 0, 0)
	if e != 0 {
		return 0, e
	}
	return int(n), nil
}
