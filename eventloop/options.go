package eventloop

// Options are the settings only this model has; the settings every model
// shares are in [netlab.Config]. The zero value is ready to use.
type Options struct {
	// Loops is the number of event loops, each an epoll instance served by
	// one goroutine locked to its own OS thread. Zero means one fewer than
	// the processors the Go scheduler may use (runtime.GOMAXPROCS(0) - 1),
	// and at least one.
	//
	// Not one per processor, because a loop asleep in epoll_wait holds its
	// processor (the scheduler's P) in a system call. While another P is
	// idle, the scheduler leaves it there. When none is, because every P
	// runs a loop, the scheduler's monitor thread takes a sleeping loop's P
	// back after 20 µs and starts a thread to look for other work, which
	// finds none and sleeps again: a futex wake-up and two context switches
	// each time a loop sleeps, and the monitor itself waking every 20 µs
	// instead of backing off to 10 ms. One P left over keeps each sleep a
	// plain epoll_wait, and gives the rest of the program (the acceptor,
	// goroutines the sessions start, the garbage collector) a processor no
	// loop holds; docs/engines.md has the measurements. More loops than
	// processors would only add context switches.
	Loops int
}
