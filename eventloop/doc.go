// Package eventloop is the event-loop model: a few epoll loops, one per core,
// each on its own OS thread, serve every connection with non-blocking
// sockets and no goroutine per connection. It trades the plainest code there
// is (perconn's "read, answer, repeat" on a goroutine that may block) for a
// per-connection cost of a couple of hundred bytes, which is what lets one
// process hold tens of thousands of idle clients, and for fewer context
// switches under load.
//
// It is Linux-only (epoll, eventfd, sendfile through golang.org/x/sys/unix).
// Elsewhere the package compiles, and [New] returns an error wrapping
// [netlab.ErrUnsupported].
//
// Serve echo on the event loops:
//
//	srv, err := eventloop.New(echo.New(), netlab.Config{}, eventloop.Options{})
//	if err != nil { … } // not Linux
//	go srv.Serve(l)
//	…
//	srv.Shutdown(ctx)
//
// # The layers
//
// Like gnet and evio, the package is built in layers, each knowing only the
// one below it:
//
//   - the poller (poller_linux.go) makes the epoll system calls: one epoll
//     instance and one eventfd per loop; every epoll constant is named there.
//   - the loop (loop_linux.go) waits for events and handles them, in methods
//     named after them: accept (adopt a new socket), read, write, close; and
//     keeps each connection's timers in two lists ordered by deadline.
//   - the connection (conn_linux.go) is the [netlab.Conn] a session answers
//     through: Send and SendFile append to its output queue and tell its
//     loop, from any goroutine; only the loop ever touches the socket.
//   - the server (server_linux.go) accepts with accept4(2) on the listener's
//     descriptor and hands each socket to the loop with the fewest
//     connections, and implements Shutdown and Close.
//
// # What a connection costs
//
// A loop lends one 64 KiB read buffer to every Session.Data call in turn, so
// a connection has no input buffer of its own. Output goes into chunks
// borrowed from a sync.Pool and returned as soon as the kernel has taken
// them. An idle connection thus holds its socket, a conn struct and its
// session: about 0.25 KB of Go heap, against some 21 KB under perconn (see
// docs/models/eventloop.md for the measurements, and bench_test.go for how
// they are made).
//
// # Backpressure
//
// A connection whose queued output passes half of [netlab.Config.MaxPending]
// stops being read (its fd leaves the epoll read set) until the queue drains
// to a quarter, so a client that sends without reading is held back by TCP
// flow control instead of by the server's memory. A Send that would still
// pass MaxPending (a chat message to a member who stopped reading) drops
// that client alone, with [netlab.ErrOverflow].
package eventloop
