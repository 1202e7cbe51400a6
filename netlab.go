package netlab

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"os"
	"time"
)

// A Service is what a server says: echo, chat or files. It knows the protocol and
// nothing about sockets. A model calls Open once for every accepted connection.
//
// Open may be called from many goroutines at once (or from several event loops), so
// a Service that keeps shared state, like the chat hub, guards it itself.
type Service interface {
	// Open starts the session for a new connection. It may send on c at once
	// (chat's welcome line) but must not block. c stays valid until the
	// session's Closed method has returned.
	Open(c Conn) Session
}

// A Session is one connection's protocol state machine. The model feeds it the
// bytes it reads, in order, and tells it when the client stops sending and when
// the connection is gone.
//
// The model calls a session's methods one at a time, never concurrently, always
// in the order Data* EOF? Closed: Closed is called exactly once and last. A
// session's methods must not block on the network; they answer through their
// [Conn], whose sends are queued.
type Session interface {
	// Data hands the session bytes received from the client. p is only valid
	// during the call: a session that keeps bytes copies them.
	Data(p []byte)

	// EOF reports that the client shut down its sending side (the read
	// returned io.EOF). No Data follows. The session may still send —
	// echo has nothing more to say, files removes an unfinished upload —
	// and when EOF returns the model flushes what is queued and closes the
	// connection, as RFC 862's half-close asks.
	EOF()

	// Closed reports that the connection is gone, for whatever reason: the
	// session closed it, the peer vanished, the idle timeout fired, the send
	// queue overflowed or the server shut down. err is nil after an orderly
	// close. The session releases what it holds (chat leaves the hub, files
	// removes an unfinished upload). Closed is never called from inside a
	// Send on another connection, so it may take the locks a sender holds.
	Closed(err error)
}

// A Conn is what a session may do with its connection. It is implemented by
// each model.
//
// Multiple goroutines may invoke methods on a Conn simultaneously: a chat
// broadcast sends on every member's Conn from the sender's goroutine.
type Conn interface {
	// Send queues a copy of p for the client and returns at once; it never
	// waits for the client to read. Bytes from one goroutine are sent in the
	// order of the calls. If the queued output would pass the connection's
	// bound ([Config.MaxPending]) the connection is dropped and Send returns
	// [ErrOverflow]; after Close or a drop it returns [ErrConnClosed].
	Send(p []byte) error

	// SendFile queues n bytes of f starting at offset off, in order with the
	// other sends, so that the model can send them without copying them
	// through user space (sendfile(2)). The Conn owns f from then on and
	// closes it once the region is sent or the connection ends, also when
	// SendFile returns an error. A file region counts against the bound as
	// [FileRegionCost] bytes, not as its length: it is not held in memory.
	SendFile(f *os.File, off, n int64) error

	// Close stops reading, sends what is queued and then closes the
	// connection. It does not wait for that to happen and is safe to call
	// more than once.
	Close() error

	// RemoteAddr returns the client's address.
	RemoteAddr() net.Addr
}

// FileRegionCost is what a queued file region counts against a connection's
// output bound: the bookkeeping it costs, not the file's length.
const FileRegionCost = 64

// A Server runs a [Service] under one concurrency model. Every model in
// netlab implements it, shaped like [net/http.Server].
type Server interface {
	// Serve accepts connections on l and serves them until Shutdown or
	// Close. It always returns a non-nil error; after Shutdown or Close it
	// returns [ErrServerClosed]. Serve takes ownership of l and closes it.
	Serve(l net.Listener) error

	// Shutdown stops accepting, lets sessions finish what they are doing
	// (pending output is flushed, an upload in progress completes) and
	// closes idle ones, until ctx ends; then it closes the rest. It returns
	// when every goroutine the server started has exited, with ctx's error
	// if it had to cut sessions short.
	Shutdown(ctx context.Context) error

	// Close closes the listeners and every connection at once, and returns
	// when every goroutine the server started has exited.
	Close() error
}

// Errors reported by servers and connections.
var (
	// ErrServerClosed is returned by Serve after Shutdown or Close.
	ErrServerClosed = errors.New("netlab: server closed")

	// ErrConnClosed is returned by Conn methods once the connection is
	// closing or closed.
	ErrConnClosed = errors.New("netlab: connection closed")

	// ErrOverflow is returned by Send when the connection's queued output
	// would pass its bound; the connection is dropped.
	ErrOverflow = errors.New("netlab: send queue overflow, client dropped")

	// ErrUnsupported is returned by models that cannot run on this system.
	ErrUnsupported = errors.New("netlab: model not supported on this system")
)

// Config holds the settings every model shares. The zero value is ready to use:
// each field's default is said beside it.
type Config struct {
	// IdleTimeout closes a connection from which nothing was received for
	// this long. Zero means the service's own default ([IdleTimeoutOf]);
	// a negative value disables it.
	IdleTimeout time.Duration

	// MaxConns is the number of connections served at once; a client beyond
	// it gets the service's busy reply ([BusyReplyOf]) and is closed.
	// Zero means 10000.
	MaxConns int

	// MaxPending bounds each connection's queued output in bytes. Zero
	// means 1 MiB.
	MaxPending int

	// Logger receives connection events at debug level and errors at error
	// level. Nil means no logging.
	Logger *slog.Logger
}

// Defaults for the zero [Config].
const (
	DefaultIdleTimeout = 5 * time.Minute
	DefaultMaxConns    = 10000
	DefaultMaxPending  = 1 << 20
)

// A Service may implement the following optional interfaces to tell a model
// about its protocol. [BusyReplyOf] and [IdleTimeoutOf] read them.
type (
	// BusyReplier is a Service with its own words for a client the server
	// cannot take: chat's "! server busy", files' "ERR busy".
	BusyReplier interface {
		BusyReply() []byte
	}

	// IdleTimeouter is a Service whose connections may idle longer (or
	// shorter) than [DefaultIdleTimeout] by default.
	IdleTimeouter interface {
		IdleTimeout() time.Duration
	}

	// Idler is a Session that can say whether it is between requests, so
	// that a graceful shutdown may close it without cutting a transfer
	// short. A session that does not implement it counts as idle whenever
	// its output is flushed.
	Idler interface {
		Idle() bool
	}
)

// BusyReplyOf returns what svc sends a client it has no room for, or nil.
func BusyReplyOf(svc Service) []byte {
	if b, ok := svc.(BusyReplier); ok {
		return b.BusyReply()
	}
	return nil
}

// IdleTimeoutOf returns svc's default idle timeout.
func IdleTimeoutOf(svc Service) time.Duration {
	if t, ok := svc.(IdleTimeouter); ok {
		return t.IdleTimeout()
	}
	return DefaultIdleTimeout
}

// WithDefaults returns c with its zero fields set to their defaults for svc.
// Models call it once in their constructor.
func (c Config) WithDefaults(svc Service) Config {
	if c.IdleTimeout == 0 {
		c.IdleTimeout = IdleTimeoutOf(svc)
	}
	if c.MaxConns <= 0 {
		c.MaxConns = DefaultMaxConns
	}
	if c.MaxPending <= 0 {
		c.MaxPending = DefaultMaxPending
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// Stats counts what a server has done since it was made. Models return it from
// their Stats method; the counters only grow, except Active.
type Stats struct {
	Accepted int64 // connections accepted and served
	Refused  int64 // connections turned away busy (connection limit, full pool)
	Active   int64 // connections open now
	Panics   int64 // sessions that panicked and were closed
	Dropped  int64 // connections dropped because their send queue overflowed
}

// A StatsReporter is a [Server] that counts what it does. Every netlab model is one.
type StatsReporter interface {
	Stats() Stats
}
