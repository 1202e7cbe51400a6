// Package netlab is the contract between what a server says and how it
// schedules the work: a [Service] (echo, chat, files) written as a state machine
// that never touches a socket, and a [Server] (one per concurrency model) that
// moves the bytes. It trades a little indirection — every reply goes through a
// queue — for the ability to run one service, unchanged, under five models.
//
// The shape of it:
//
//	         ┌─────────── model (iterative, perconn, pool, eventloop, …) ─────────┐
//	socket ──┼─▶ read(2) ──▶ Session.Data(p) ──┐                                  │
//	         │                                 │ Conn.Send(p)  ┌──────────────┐   │
//	         │                                 └──────────────▶│ output queue │   │
//	         │   other sessions (chat fan-out) ── Conn.Send ──▶│  (bounded)   │   │
//	         │                                                 └──────┬───────┘   │
//	         │                                  write(2), sendfile(2) │           │
//	socket ◀─┼────────────────────────────────────────────────────────┘           │
//	         └────────────────────────────────────────────────────────────────────┘
//
// A model calls [Service.Open] for each accepted connection and gets a [Session].
// It feeds the session the bytes it reads ([Session.Data]), tells it when the
// client half-closes ([Session.EOF]) and when the connection is gone
// ([Session.Closed]). The session answers through its [Conn]: [Conn.Send]
// queues bytes, [Conn.SendFile] queues a region of a file to be sent zero-copy,
// [Conn.Close] flushes and closes. Sends never block the caller, which is what
// lets one chat client broadcast to a thousand others without waiting on the
// slowest, and what lets an epoll event loop run the very same services as a
// goroutine per connection.
//
// The queue is bounded ([Config.MaxPending]). A model stops reading from a
// connection whose queue is filling up (a client that sends but never reads
// cannot make the server buffer without bound), and a connection whose queue
// overflows anyway — a chat member that stopped reading while others talk — is
// dropped alone.
//
// A minimal server, the goroutine-per-connection model serving echo:
//
//	l, err := net.Listen("tcp", "127.0.0.1:7007")
//	if err != nil { … }
//	srv := perconn.New(echo.New(), netlab.Config{})
//	go srv.Serve(l)
//	…
//	srv.Shutdown(ctx)
//
// Every model implements [Server] the way [net/http.Server] does: Serve returns
// [ErrServerClosed] after Shutdown or Close, Shutdown is graceful and bounded by
// its context, Close is not.
package netlab
