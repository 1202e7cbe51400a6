package eventloop

// Options are the settings only this model has; the settings every model
// shares are in [netlab.Config]. The zero value is ready to use.
type Options struct {
	// Loops is the number of event loops, each an epoll instance served by
	// one goroutine locked to its own OS thread. Zero means one per core
	// the Go scheduler may use (runtime.GOMAXPROCS(0)): more loops than
	// cores only adds context switches, fewer leaves cores idle under load.
	Loops int
}
