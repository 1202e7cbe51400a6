// Package broadcast is lab 6: a chat server whose broadcast writes to each
// client's socket in turn, so one client that stops reading stalls the
// whole room, to be fixed with a bounded queue and a writer goroutine per
// client and a drop for the client whose queue is full.
// The trade: a queue and a goroutine per client, and a client dropped when
// it falls behind, so that nobody waits on anybody's socket.
package broadcast
