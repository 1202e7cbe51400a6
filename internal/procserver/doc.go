// Package procserver runs a server as a child process and measures what it
// costs: the CPU time the whole process tree spends and the memory it
// holds, read from Linux's /proc, while a load generator in this process
// drives it over loopback. Measuring from outside keeps the load
// generator's own goroutines, garbage and scheduler out of the server's
// numbers, at the price of a fork and exec per server and of /proc's
// resolution (CPU time in clock ticks of 10ms, memory sampled, not traced).
//
// [Start] runs an argv (typically `netlab serve -addr 127.0.0.1:0 …`),
// waits for the line `listening on HOST:PORT` on its standard output and
// returns a [Server] with that address. [Server.Begin] opens a measurement
// window and [Window.End] closes it with a [Usage]: CPU time spent during
// the window and the peak resident memory. [Server.Stop] sends SIGTERM,
// then SIGKILL to the child's process group after a bound, and reaps it.
//
// A server may be a tree (the multiprocess model forks a worker per
// connection). Its CPU time is that of every live member, found by walking
// /proc for descendants by parent PID, plus what the root has reaped from
// children that exited (cutime and cstime). Its resident memory is the sum
// of its live members' RSS, sampled during the window: the peak is the
// largest sampled sum, which can miss a spike between samples, and counts a
// page shared by parent and child once in each. The root's own lifetime
// high-water mark (VmHWM) is reported beside it.
//
// Only Linux has /proc; elsewhere [Start] returns [ErrUnsupported].
package procserver
