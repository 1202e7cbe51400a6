// Package blocking serves netlab sessions on net.Conns with blocking I/O,
// trading a goroutine per connection (its stack: some 5.6 KB for an idle
// client, whose read buffer is borrowed only while bytes are there) for code
// that reads top to bottom: the goroutine that
// serves a connection reads from it, and a writer goroutine, once one is
// needed, drains its output queue. It is the machinery the iterative, perconn
// and pool models share, so that those packages hold nothing but how they
// schedule connections, which is the lesson.
//
// An [Engine] tracks one server's listeners and connections and implements
// graceful shutdown; a [Conn] runs one session. [Engine.Serve] is the accept
// loop every model shares, and a model says only what becomes of each
// connection it accepts:
//
//	return e.Serve(l, func(nc net.Conn) {
//		if c := e.Admit(nc); c != nil {
//			go c.Serve() // or not "go", or on a worker: that is the model
//		}
//	})
//
// A [Server] is that loop for a model that admits each connection at once
// (iterative, perconn), with the model's part a function of the [Conn].
//
// # Where the work happens
//
// The goroutine that calls [Conn.Serve] is the connection's reader
// (read.go; its pooled buffer, readbuf.go): it reads, hands the bytes to the session, and at the end of
// each turn writes what the session queued with non-blocking writes. A
// writer goroutine (write.go), started the first time the socket would not
// take everything at once or another goroutine sends, drains the rest with
// blocking writes. The output queue (queue.go) sits between them under the
// connection's mutex. Ending a connection is close.go; its deadlines,
// timers.go; calling into the session, session.go; taking connections in,
// accept.go; the shared accept loop and Server, model.go; the server-wide
// state and its Shutdown and Close, server.go.
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
package blocking
