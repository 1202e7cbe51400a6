// Package perconn is the goroutine-per-connection model: the accept loop starts
// one goroutine for each client, and that goroutine serves it to the end. It
// trades memory (a goroutine stack and a read buffer per connection, idle or
// not) for the plainest code there is: every connection reads as if it were
// alone, and the Go runtime's netpoller multiplexes them all on a few threads.
//
// This is how Go servers are usually written, net/http included. It is the
// counterpart of Python's threading.Thread per client (or
// socketserver.ThreadingTCPServer), except that a goroutine starts with a few
// kilobytes of stack instead of a thread's megabytes.
//
// Each connection has two goroutines at most: its reader, which feeds the
// session, and a writer started the first time the socket cannot take a reply
// at once. Sends from other goroutines (a chat broadcast) queue for that writer
// and never wait on this client's socket. A panicking session closes its own
// connection and nobody else's.
package perconn
