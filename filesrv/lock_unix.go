//go:build unix

package filesrv

import (
	"os"
	"syscall"
)

// lock takes an exclusive flock(2) on f, waiting if a stale-file sweep
// holds it for the moment it takes to remove the file. The kernel drops
// the lock when f is closed, or when the process dies: a crashed server's
// uploads are unlocked, a running one's are not. That is how a sweep tells
// them apart without guessing from ages or process IDs.
func lock(f *os.File) error { return flock(f, syscall.LOCK_EX) }

// tryLock takes the lock if nobody holds it, without waiting.
func tryLock(f *os.File) bool { return flock(f, syscall.LOCK_EX|syscall.LOCK_NB) == nil }

// flock goes through RawConn.Control rather than f.Fd, which would switch
// the descriptor to blocking mode as a side effect.
func flock(f *os.File, how int) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var ferr error
	err = rc.Control(func(fd uintptr) {
		ferr = ignoringEINTR(func() error { return syscall.Flock(int(fd), how) })
	})
	if err != nil {
		return err
	}
	return ferr
}

// unlinked reports whether f's directory entry is gone: a sweep removed the
// file between our create and our lock.
func unlinked(f *os.File) bool {
	fi, err := f.Stat()
	if err != nil {
		return true
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && st.Nlink == 0
}

func ignoringEINTR(f func() error) error {
	for {
		if err := f(); err != syscall.EINTR {
			return err
		}
	}
}
