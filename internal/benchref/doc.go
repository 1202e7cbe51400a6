// Package benchref builds the reference servers netlab's engine benchmarks
// measure themselves against: echo.c, a bare single-threaded epoll echo
// server in C (c/echo.c) that makes one epoll_wait per batch of ready sockets and one
// read(2) and one write(2) per request, which is what serving a request
// costs in system calls alone. It trades portability for honesty: the floor
// is only measured where a C compiler exists, and a benchmark that needs it
// is skipped, saying why, elsewhere; nothing in the main build uses cgo.
//
// The reference speaks the benchmark helpers' line protocol: it prints
// "listening ADDR" once it listens on a fresh loopback port, answers the
// line "cpu" with "cpu USER SYSTEM" (its CPU time so far, in µs), and exits
// when its standard input ends.
//
//	path, err := benchref.BuildEcho(b.TempDir())
//	if errors.Is(err, benchref.ErrNoCompiler) {
//		b.Skip(err)
//	}
package benchref
