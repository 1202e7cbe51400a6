//go:build starter

package sansio

import "github.com/netlab-go/netlab"

// session is one connection's state. It never touches a socket: the model
// calls Data with the bytes it read, and the session answers with c.Send,
// which queues and returns at once.
type session struct {
	c netlab.Conn
	// TODO: the bytes of a line whose LF has not come yet.
}

// Data is handed the bytes of one read: any part of a line, or several.
func (s *session) Data(p []byte) {
	// TODO: append p to the buffer; for every whole line in it, drop a
	// CR before the LF and, if reply(line) is not "", s.c.Send it. Keep
	// the rest for the next call. Never block here: under the event loop
	// this call runs on the loop that serves every other connection.
}

// EOF is called when the client half-closes: answer a last line that had
// no LF.
func (s *session) EOF() {
	// TODO
}

// Closed is called once, last.
func (s *session) Closed(error) {}
