package multiprocess

import (
	"fmt"

	"github.com/netlab-go/netlab"
)

// A Wrap names a [Wrapper] the way a child can find it: the name it was
// registered under ([RegisterWrapper]) and the arguments it takes. It is to
// a wrapper what a [Spec] is to a service: what crosses exec in its place.
type Wrap struct {
	// Wrapper is the registered name; empty means no wrapper.
	Wrapper string

	// Args are the wrapper's arguments, for instance the file it logs to.
	Args []string
}

// A Wrapper wraps the service a child builds before the child serves
// anything with it. It is how a program does to the sessions children
// serve what it would do to a service of its own by wrapping it — log
// every line received and sent, say — since the sessions run in the
// children and a wrapper around the parent's instance would see none of
// them. The parent's instance is never wrapped. [Env.Args] are the
// [Wrap]'s; the result must answer [netlab.BusyReplyOf] as svc does.
type Wrapper func(svc netlab.Service, env Env) (netlab.Service, error)

var wrappers = registry[Wrapper]{kind: "wrapper", call: "RegisterWrapper"}

// RegisterWrapper makes a wrapper available to the model under name, as
// [Register] does a service, and from an init function for the same
// reason: a child finds it by name before main does anything else.
// Registering a name twice, or a nil wrapper, panics.
func RegisterWrapper(name string, w Wrapper) { wrappers.add(name, w, w == nil) }

// wrap applies the wrapper w names to svc, or returns svc if w names none.
func wrap(w Wrap, svc netlab.Service, env Env) (netlab.Service, error) {
	if w.Wrapper == "" {
		return svc, nil
	}
	f, err := wrappers.lookup(w.Wrapper)
	if err != nil {
		return nil, err
	}
	env.Args = w.Args
	wrapped, err := f(svc, env)
	if err != nil {
		return nil, fmt.Errorf("multiprocess: wrap in %s%v: %w", w.Wrapper, w.Args, err)
	}
	return wrapped, nil
}
