package echo

import "github.com/netlab-go/netlab"

// Service is the echo service. It keeps no state: the zero value is ready, and
// one Service serves any number of connections at once.
type Service struct{}

// New returns the echo service.
func New() *Service { return &Service{} }

// Open implements [netlab.Service]: an echo session needs nothing but its Conn.
func (*Service) Open(c netlab.Conn) netlab.Session { return session{c} }

// session echoes. It is a value: one interface-sized word per connection.
type session struct{ c netlab.Conn }

// Data sends p straight back. Send copies p, and a full queue drops the
// client (the model stops reading long before that happens, so only a
// misbehaving model could get there).
func (s session) Data(p []byte) { s.c.Send(p) }

// EOF does nothing: after it the model flushes what is queued and closes,
// which is exactly RFC 862's half-close behaviour.
func (s session) EOF() {}

// Closed does nothing: an echo session holds nothing to release.
func (s session) Closed(error) {}
