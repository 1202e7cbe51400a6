// Package process is lab 12: a server that answers each message itself, to
// be made to answer each from a new process — the course's process per
// "Hello" and per "Good" — so that a message that crashes its worker takes
// down only that process.
// The trade: a process started per message, a thousand times the cost of a
// goroutine, for a crash that takes down only its own process.
//
// Go cannot fork a running program (the runtime's threads would not come
// along), so a worker is the same program started again, told by its
// environment that it is a worker, with the client's socket as fd 3: the
// multiprocess model's way, in a few lines.
package process
