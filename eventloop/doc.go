// Package eventloop is the event-loop model: a few epoll loops (by default
// one per processor but one, see [Options.Loops]), each on its own OS
// thread, serve every connection with non-blocking sockets and no goroutine
// per connection. It trades the plainest code there
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
// Like gnet and evio, the package is built in layers, with narrow doors
// between them:
//
//   - the poller (poller_linux.go) makes the epoll and eventfd system calls:
//     one epoll instance and one eventfd per loop; every epoll constant is
//     named there. Only its loop calls it, except to wake the loop.
//   - the loop (loop_linux.go) waits for events and serves them, in methods
//     named after them: accept (accept_linux.go), read (read_linux.go),
//     write (write_linux.go), finish (close_linux.go); it keeps its
//     connections' timers (timers_linux.go) and finds the connection an
//     event is for by the slot number the event carries (table_linux.go).
//     Only the loop reads a socket, changes its interest set or closes it.
//   - the mailbox (mailbox_linux.go) is the loop's one door for other
//     goroutines: the acceptor hands it sockets; a Send or Close on any
//     goroutine tells it a connection has news; Shutdown and Close ask it to
//     drain or abort. Posting wakes a sleeping loop through the eventfd.
//   - the connection (conn_linux.go, queue_linux.go) is the [netlab.Conn] a
//     session answers through: Send, SendFile and Close change its queue or
//     state under its mutex and post to the mailbox. The exceptions are a
//     Send during the loop's Data call for that connection, which goes to
//     the loop's stage and out as the call returns, and a Send that finds
//     nothing queued and the loop asleep: it writes at once, without
//     waiting, so that a chat line from another loop costs that loop no
//     wake-up.
//   - the server (server_linux.go, accept_linux.go) accepts with accept4(2)
//     on the listener's descriptor, hands each socket to the loop with the
//     fewest connections, and implements Shutdown and Close.
//   - raw_linux.go makes the loop's non-blocking reads and writes without
//     the scheduler's system-call bookkeeping, which they do not need.
//
// Looking up, a loop only reads its server's configuration and counters and
// calls the session, always through call (session_linux.go), which recovers
// a panic.
//
// # Words
//
// The blocking engine (internal/blocking) and the event loop (eventloop) do
// the same job with different machinery. They use the same words for the
// same acts, and put each role in a file of the same name (accept, conn,
// queue, read, write, close, session, timers, server), so that one can be
// read beside the other:
//
//   - accept: take a new connection in and admit it (count it, open its
//     session) or, past MaxConns, refuse it: the service's busy reply, then
//     close.
//   - read: take what the socket has and deliver it to the session
//     (Session.Data; Session.EOF at end of stream, then Close).
//   - turn: one pass of the code that serves a connection: session code
//     runs, then what it queued is written at once, as far as the socket
//     takes it without waiting.
//   - queue: a connection's output the kernel has not taken yet, bytes and
//     file regions in order; its cost counts against MaxPending.
//   - write: hand queued output to the kernel: write(2), writev(2),
//     sendfile(2).
//   - backpressure: stop reading a connection while more than highWater
//     (half of MaxPending) is queued.
//   - overflow: a Send that would take the queue past MaxPending fails the
//     connection with [netlab.ErrOverflow].
//   - Close: the session's orderly end: no more input for the session, the
//     queue flushed, then sendFIN and linger.
//   - sendFIN: shut down our sending side (SHUT_WR) once the queue is
//     flushed: the client reads everything, then end of stream.
//   - linger: after our FIN, read and discard what the client still sends,
//     for up to lingerTime: closing a socket with unread input makes the
//     kernel send a reset, which can destroy the last reply in flight.
//   - drain: the server's graceful shutdown: every connection is asked to
//     close as soon as it is quiescent (requestClose), until none is left or
//     the context ends.
//   - quiescent: nothing queued or being written, and the session idle
//     ([netlab.Idler]).
//   - fail: end one connection now, for a reason (err): its state becomes
//     closed and its queue is dropped. finish follows.
//   - abort: fail every connection at once (Close, or a Shutdown whose
//     context ended).
//   - finish: the last step, in this order: release, Session.Closed(err),
//     close(2), so that whoever the session tells it has left can count on
//     it.
//   - release: free the connection's place under MaxConns.
//   - lastActive, touch: when a connection last did something that keeps it
//     from being idle (a byte received, a download making progress), and
//     recording that. Plain replies do not count: a chat member who only
//     listens must send a keep-alive now and then, as docs/protocols.md says.
//   - call: run session code with a panic recovered: that connection fails,
//     and [netlab.Stats.Panics] counts it.
//
// # What a connection costs
//
// A loop lends one 64 KiB read buffer to every Session.Data call in turn, so
// a connection has no input buffer of its own. What a session sends during
// its Data call goes into the loop's stage, written as the call returns;
// output that has to wait goes into chunks borrowed from a sync.Pool and
// returned as soon as the kernel has taken them. An idle connection thus holds its socket, a conn struct and its
// session: about 0.25 KB of Go heap, against some 5.6 KB under perconn (see
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
