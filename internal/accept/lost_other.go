//go:build !linux

package accept

import "syscall"

// lostOnThisOS is empty off Linux: the shared list in retry.go already
// holds every lost-connection error these systems define.
var lostOnThisOS []syscall.Errno
