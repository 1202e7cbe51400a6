package multiprocess

import (
	"fmt"
	"io"
	"log/slog"

	"github.com/netlab-go/netlab"
)

// A Spec names a service the way a child process can rebuild it: the name
// it was registered under ([Register]) and the arguments its [Factory]
// takes. It is what crosses exec, where a [netlab.Service] value cannot:
// a service is a Go value in the parent's memory (an open folder, a hub of
// members, a logger), and exec starts a fresh program with none of it. The
// Spec travels in the child's environment.
type Spec struct {
	// Service is the registered name: "echo", "chat", "files", …
	Service string

	// Args are the factory's arguments, for instance the folder a files
	// service serves. They must mean the same thing in every process.
	Args []string
}

func (s Spec) String() string { return fmt.Sprint(s.Service, s.Args) }

// Env is what a [Factory] is given.
type Env struct {
	// Args are the [Spec]'s arguments.
	Args []string

	// Link is a child's stream to the parent's instance of the service:
	// one end of a socketpair whose other end the parent serves with
	// [Relayer.ServeRelay]. It is nil when the factory runs in the parent,
	// and in every process for a service that is not a Relayer. The
	// service owns it from then on; the process ends it by exiting.
	Link io.ReadWriteCloser

	// Logger is the process's logger (never nil). A child's writes to its
	// standard error, which is [Options.Stderr] in the parent.
	Logger *slog.Logger
}

// A Factory builds a service from its arguments. The model calls it once in
// the parent, in [New], and once in every child it starts. The parent's
// instance answers for the whole server (its busy reply, and its shared
// state if it is a [Relayer]); a child's serves that child's connections.
// A factory that needs to know which it is looks at [Env.Link].
type Factory func(env Env) (netlab.Service, error)

// A Relayer is a service whose connections share state that must stay in
// one place: chat's hub. The parent's instance keeps the state, each child
// is given a Link to it ([Env.Link]), and the parent calls ServeRelay for
// each child's link on a goroutine of its own.
//
// ServeRelay serves the child on the other end of link until the link
// closes (the child exited) and releases whatever that child held, such as
// its chat members. It owns link and closes it.
//
// Echo and files have no shared part: their children need nothing from the
// parent but the connection or the listener.
type Relayer interface {
	ServeRelay(link io.ReadWriteCloser) error
}

// A Recoverer is a service whose parent instance tidies up after a child
// that died without finishing its work: the files service removes the
// temporary files of the uploads the child left unfinished, as
// docs/protocols.md asks ("removed by the server before it serves the next
// connection"). The parent calls Recover after it has reaped a crashed
// child and before it starts a replacement; a child that exited as it was
// told to needs no recovery.
type Recoverer interface {
	Recover() error
}

var factories = registry[Factory]{kind: "factory", call: "Register"}

// Register makes a service available to the model under name. A program
// registers every service it may run under the model from an init function
// (or before its first call to [IsChild]): a child process runs the same
// program, and finds the factory by name before main does anything else.
// Registering a name twice, or a nil factory, panics, as
// [database/sql.Register] does.
func Register(name string, f Factory) { factories.add(name, f, f == nil) }

// build finds spec's factory and runs it.
func build(spec Spec, env Env) (netlab.Service, error) {
	f, err := factories.lookup(spec.Service)
	if err != nil {
		return nil, err
	}
	env.Args = spec.Args
	svc, err := f(env)
	if err != nil {
		return nil, fmt.Errorf("multiprocess: build %v: %w", spec, err)
	}
	return svc, nil
}
