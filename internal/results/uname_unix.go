//go:build unix

package results

import "golang.org/x/sys/unix"

// kernel returns the kernel's name and release, as `uname -sr` prints.
func kernel() string {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return "unknown"
	}
	return unix.ByteSliceToString(u.Sysname[:]) + " " + unix.ByteSliceToString(u.Release[:])
}
