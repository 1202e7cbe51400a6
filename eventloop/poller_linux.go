package eventloop

import (
	"encoding/binary"
	"os"

	"golang.org/x/sys/unix"
)

// The epoll interest and event bits the loop uses, named in one place.
//
// The loop is level-triggered (no EPOLLET): epoll_wait reports a descriptor
// for as long as it is readable or writable, not only when it becomes so.
// That lets a loop read once per turn and move on to the next connection
// (fairness) without losing the rest, and makes "stop reading" as simple as
// dropping evRead from the interest set.
const (
	// evRead asks to be told when the socket has bytes to read, or the
	// peer has shut down its side (a read then returns 0).
	evRead = unix.EPOLLIN

	// evWrite asks to be told when the socket's send buffer has room. It
	// is in a connection's interest set only while output is pending: a
	// level-triggered EPOLLOUT on an idle socket would fire on every turn.
	evWrite = unix.EPOLLOUT

	// evError is always reported, whether asked for or not: an error on
	// the socket (EPOLLERR) or both directions shut down (EPOLLHUP). The
	// loop treats it as "readable and writable", so that the next read or
	// write returns the error and the connection is closed.
	evError = unix.EPOLLERR | unix.EPOLLHUP
)

const (
	// maxEvents is how many ready descriptors one epoll_wait returns at
	// most. Any left over are reported by the next call (level
	// triggering), so it bounds the work of one turn, not correctness.
	maxEvents = 256

	// wakeSize is the size of an eventfd's counter: reads and writes of
	// any other size fail with EINVAL.
	wakeSize = 8
)

// A poller is one epoll instance plus the eventfd that wakes it. It is the
// only place that makes epoll system calls. Every method except wake is
// called only by the loop that owns the poller; wake may be called from any
// goroutine, as long as the poller is not closed (the loop's mutex ensures
// that).
type poller struct {
	epfd   int // the epoll instance
	wakefd int // an eventfd in epfd's interest set; writing to it ends epoll_wait
}

// openPoller creates an epoll instance and its wake-up eventfd.
func openPoller() (*poller, error) {
	// EPOLL_CLOEXEC and EFD_CLOEXEC: a process the server starts (the
	// multiprocess model execs children) must not inherit these.
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, os.NewSyscallError("epoll_create1", err)
	}
	// EFD_NONBLOCK: reading a zero counter returns EAGAIN instead of
	// blocking the loop.
	wakefd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		unix.Close(epfd)
		return nil, os.NewSyscallError("eventfd", err)
	}
	p := &poller{epfd: epfd, wakefd: wakefd}
	if err := p.add(wakefd, -1, evRead); err != nil {
		unix.Close(wakefd)
		unix.Close(epfd)
		return nil, err
	}
	return p, nil
}

// add puts fd in the interest set with the given events. Each of its events
// comes back with fd and slot (in Fd and Pad, which together are the
// kernel's epoll_data): see connTable.
func (p *poller) add(fd int, slot int32, events uint32) error {
	ev := unix.EpollEvent{Events: events, Fd: int32(fd), Pad: slot}
	return os.NewSyscallError("epoll_ctl add", unix.EpollCtl(p.epfd, unix.EPOLL_CTL_ADD, fd, &ev))
}

// modify replaces fd's events in the interest set.
func (p *poller) modify(fd int, slot int32, events uint32) error {
	ev := unix.EpollEvent{Events: events, Fd: int32(fd), Pad: slot}
	return os.NewSyscallError("epoll_ctl mod", unix.EpollCtl(p.epfd, unix.EPOLL_CTL_MOD, fd, &ev))
}

// remove takes fd out of the interest set. It must be called before fd is
// closed. The kernel does drop a closed descriptor from every epoll set by
// itself, but only when the last descriptor referring to the same open
// socket is closed: had anyone dup'ed it, a closed fd would go on being
// reported, under a number the next accept may hand to someone else.
func (p *poller) remove(fd int) error {
	// A non-nil event pointer keeps kernels before 2.6.9 happy; it is ignored.
	var ev unix.EpollEvent
	return os.NewSyscallError("epoll_ctl del", unix.EpollCtl(p.epfd, unix.EPOLL_CTL_DEL, fd, &ev))
}

// wait blocks until a descriptor is ready or msec milliseconds pass (-1:
// no limit), and fills events. A signal delivered to the thread interrupts
// epoll_wait with EINTR even though nothing is ready (the Go runtime uses
// signals to preempt goroutines); wait reports that as zero events, and the
// loop simply goes round again.
func (p *poller) wait(events []unix.EpollEvent, msec int) (int, error) {
	n, err := unix.EpollWait(p.epfd, events, msec)
	if err == unix.EINTR {
		return 0, nil
	}
	if err != nil {
		return 0, os.NewSyscallError("epoll_wait", err)
	}
	return n, nil
}

// ready fills events with what is ready now, without waiting: epoll_wait
// with a timeout of zero, made raw (raw_linux.go). A signal cannot interrupt
// a call that does not sleep, but EINTR is absorbed all the same.
func (p *poller) ready(events []unix.EpollEvent) (int, error) {
	n, err := rawPoll(p.epfd, events)
	if err == unix.EINTR {
		return 0, nil
	}
	if err != nil {
		return 0, os.NewSyscallError("epoll_wait", err)
	}
	return n, nil
}

// wake makes a current or the next wait return at once. Wakes coalesce: the
// eventfd is a counter, and any non-zero value makes it readable.
func (p *poller) wake() error {
	var one [wakeSize]byte
	binary.NativeEndian.PutUint64(one[:], 1)
	for {
		_, err := rawWrite(p.wakefd, one[:]) // the eventfd is non-blocking
		switch err {
		case nil:
			return nil
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			// The counter is about to overflow: it is non-zero, so
			// the loop is already due to wake.
			return nil
		default:
			return os.NewSyscallError("write eventfd", err)
		}
	}
}

// drainWake resets the eventfd's counter after it woke the loop, so that
// level triggering does not report it again.
func (p *poller) drainWake() error {
	var buf [wakeSize]byte
	for {
		_, err := rawRead(p.wakefd, buf[:])
		switch err {
		case nil, unix.EAGAIN: // EAGAIN: already zero
			return nil
		case unix.EINTR:
			continue
		default:
			return os.NewSyscallError("read eventfd", err)
		}
	}
}

// close releases the epoll instance and the eventfd.
func (p *poller) close() error {
	err1 := unix.Close(p.wakefd)
	err2 := unix.Close(p.epfd)
	if err1 != nil {
		return os.NewSyscallError("close eventfd", err1)
	}
	return os.NewSyscallError("close epoll", err2)
}
