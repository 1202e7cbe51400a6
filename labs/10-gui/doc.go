// Package gui is lab 10: the course's GUI chat client, as a browser page.
// The page is netlab's line console (package web): every line typed in it
// is one line to a netlab service, and every line the service says is
// shown. The service here is a Bridge — the client "as a class": one
// session per browser tab that connects, when told to, to a chat server
// over TCP or UDP, and relays both ways, a receiver goroutine showing what
// the server says the moment it says it.
// The trade: a dial and a goroutine per tab on the server, so that the
// browser needs nothing but a WebSocket.
//
// What the page's user types:
//
//	/connect HOST:PORT       connect to a TCP chat server
//	/connect udp HOST:PORT   connect to a UDP chat server
//	anything else            sent to the server
//
// What the page shows, besides the server's lines:
//
//	"* connected to HOST:PORT"   (or "udp HOST:PORT")
//	"* disconnected"             the server closed the connection
//	"! cannot connect: ERROR"
//	"! not connected: type /connect HOST:PORT first"
package gui
