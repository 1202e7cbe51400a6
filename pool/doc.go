// Package pool is the worker-pool model: a fixed number of worker goroutines
// serve connections, one session per worker at a time, and a client that
// arrives while every worker is busy waits for one or is told the server is
// busy. It trades the unbounded concurrency of a goroutine per connection for
// a hard ceiling on the work in progress — at most [Options.Workers]
// sessions, read buffers and service states at once, however many clients
// knock — and pays for it in latency and, for long-lived connections such as
// chat's, in starvation: a worker is held for a connection's whole life, idle
// or not.
//
// This is Python's concurrent.futures.ThreadPoolExecutor — the pool a
// Python course's threaded server hands its connections to — on
// github.com/sourcegraph/conc's pool. The accept loop
// differs from perconn's in one line:
//
//	go c.Serve()                              // perconn: a goroutine per connection
//	s.workers.Go(func() { s.serve(nc) })      // pool: a worker, or wait for one
//
// Unlike ThreadPoolExecutor.submit, which never blocks and queues without
// bound, conc's Go blocks while every worker is busy. That is the whole
// Wait policy: the accept loop stops calling accept(2), and new clients queue
// in the kernel's listen backlog, connected but unanswered, until a session
// ends. Under the Reject policy the server instead accepts, sends the
// service's busy reply ([netlab.BusyReplyOf]) and closes.
//
// A session that panics is recovered at once — by the engine around each call
// into the session, and by the pool around the whole session as a backstop —
// its connection closed and counted in [netlab.Stats.Panics]; its worker goes
// on serving. Nothing reaches conc, which would hold the panic until Shutdown
// and raise it there, far from its cause.
//
// Serve echo with 8 workers:
//
//	srv := pool.New(echo.New(), netlab.Config{}, pool.Options{Workers: 8})
//	go srv.Serve(l)
//	…
//	srv.Shutdown(ctx)
//
// docs/models/pool.md measures it against perconn and explains when a pool is
// the right choice.
package pool
