package filesrv

import (
	"io/fs"
	"syscall"
	"time"
)

// changeTime returns the inode change time (st_ctime) of fi, the one
// timestamp of a file that no system call can set: the kernel moves it on
// every write, truncate, chmod, rename and utimes.
func changeTime(fi fs.FileInfo) (time.Time, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return time.Time{}, false
	}
	return time.Unix(st.Ctim.Unix()), true
}
