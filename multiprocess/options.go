package multiprocess

import "io"

// Options configures the multiprocess model. The zero value starts a child
// per connection.
type Options struct {
	// Procs is the number of children to prefork. Each inherits the
	// listening socket, accepts from it itself and serves any number of
	// connections, one goroutine each. Zero means no prefork: the parent
	// accepts, and starts a child for every connection.
	//
	// A preforked child runs with the parent's GOMAXPROCS divided by
	// Procs (at least 1), a child per connection with 1, so that the
	// children share the cores instead of each scheduling for all of them;
	// a GOMAXPROCS set in the environment, which children inherit, is left
	// as it is.
	Procs int

	// Stderr receives the children's standard error: their logs, and the
	// stack trace of one that crashes. Nil means the parent's os.Stderr.
	Stderr io.Writer

	// Wrap names a wrapper ([RegisterWrapper]) that every child applies to
	// its instance of the service: what a program would do by wrapping the
	// service it serves (netlab serve's traffic log), done where the
	// sessions are. The zero value wraps nothing.
	Wrap Wrap
}
