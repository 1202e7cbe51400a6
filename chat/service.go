package chat

import (
	"log/slog"
	"time"

	"github.com/netlab-go/netlab"
)

// DefaultIdleTimeout is how long a chat connection may stay silent before the
// server closes it. It is long, since reading without typing is what chat
// clients mostly do; a client that wants to stay longer sends an empty line
// now and then, which the server ignores.
const DefaultIdleTimeout = 30 * time.Minute

// busyReply is what a client beyond the server's connection limit is told.
var busyReply = []byte("! server busy\n")

// Options configures a chat [Service]. The zero value is ready to use.
type Options struct {
	// Hub holds the members and fans lines out. Nil means a new in-process
	// hub ([NewHub]); the multiprocess model passes one that relays to the
	// hub in its parent process.
	Hub Hub

	// Logger receives joins, renames and leaves at debug level when the
	// service makes its own hub. Nil means no logging.
	Logger *slog.Logger
}

// Service is the chat service: one hub, and a session per connection that
// turns the client's lines into hub requests. One Service is one chat room;
// it serves any number of connections at once.
//
// How much a slow reader may fall behind before it is dropped is not the
// service's business: it is the model's bound on a connection's queued
// output ([netlab.Config.MaxPending], 1 MiB by default, `-max-pending`).
type Service struct {
	hub Hub
}

var (
	_ netlab.Service       = (*Service)(nil)
	_ netlab.BusyReplier   = (*Service)(nil)
	_ netlab.IdleTimeouter = (*Service)(nil)
)

// New returns a chat service with the given options.
func New(o Options) *Service {
	hub := o.Hub
	if hub == nil {
		hub = NewHub(o.Logger)
	}
	return &Service{hub: hub}
}

// Hub returns the service's hub.
func (s *Service) Hub() Hub { return s.hub }

// Open implements [netlab.Service]: the connection joins the hub, which
// welcomes it and tells the others.
func (s *Service) Open(c netlab.Conn) netlab.Session {
	sess := &session{c: c, hub: s.hub, split: lineSplitter{max: MaxLine}}
	sess.id = s.hub.Join(c)
	return sess
}

// BusyReply implements [netlab.BusyReplier]: "! server busy".
func (*Service) BusyReply() []byte { return busyReply }

// IdleTimeout implements [netlab.IdleTimeouter]: [DefaultIdleTimeout].
func (*Service) IdleTimeout() time.Duration { return DefaultIdleTimeout }
