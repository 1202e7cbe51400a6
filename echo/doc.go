// Package echo is the RFC 862 echo service and its client: every byte a client
// sends comes back unchanged, in order, until the client closes. It is the
// smallest service there is, which makes it the yardstick: with no protocol
// work to speak of, what a benchmark of echo measures is the concurrency model
// underneath.
//
// The service is sans-I/O like every netlab service: it is handed bytes and
// queues them back on its [netlab.Conn]. When the client half-closes (shuts down
// its sending side), the model flushes what is still queued and closes, so a
// client can send a file, half-close, and read it all back.
//
// Serve echo on the goroutine-per-connection model:
//
//	srv := perconn.New(echo.New(), netlab.Config{})
//	go srv.Serve(l)
//
// and talk to it:
//
//	c, err := echo.Dial(ctx, "127.0.0.1:7007")
//	reply, err := c.Echo([]byte("hello"))
package echo
