// Package udpchat is lab 9: a chat over UDP, where a server has no
// connection per client — only the addresses it has heard from — and a
// client prints each datagram the moment it arrives. The trade: no
// accept, no socket and no goroutine per client, and no delivery, order or
// end of a peer either.
//
// The protocol: every datagram is one line of text. The server remembers
// the address of every peer that sends it anything and sends each line to
// every other peer it remembers, unchanged. A peer that sends "/quit" is
// forgotten; its /quit is not relayed.
package udpchat

// Quit is the line a peer sends to leave.
const Quit = "/quit"

// MaxDatagram is the longest line the server or the client reads; a
// longer datagram is cut to it.
const MaxDatagram = 2048
