package models

import (
	"fmt"
	"io"
	"log/slog"
	"slices"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/eventloop"
	"github.com/netlab-go/netlab/filesrv"
	"github.com/netlab-go/netlab/iterative"
	"github.com/netlab-go/netlab/multiprocess"
	mpservices "github.com/netlab-go/netlab/multiprocess/services"
	"github.com/netlab-go/netlab/perconn"
	"github.com/netlab-go/netlab/pool"
)

// Flags are the settings that pick how a model or a service is built, as
// the command line gives them. The zero value is every package's default.
type Flags struct {
	Workers  int               // pool: sessions served at once; 0 means [pool.DefaultWorkers]
	Overflow pool.Overflow     // pool: what a client gets while every worker is busy
	Loops    int               // eventloop: event loops; 0 means its default (eventloop.Options.Loops)
	Procs    int               // multiprocess: preforked children; 0 means a child per connection
	Wrap     multiprocess.Wrap // multiprocess: what each child wraps its service in (serve's traffic log)

	Root      string       // files: the folder served; "" means one under the user's cache dir
	MaxUpload int64        // files: the largest PUT; 0 means [filesrv.DefaultMaxUpload]
	Logger    *slog.Logger // the services' log; nil means none
	Say       io.Writer    // where a service says what it set up (files: its folder); nil means nowhere
}

// A Model is one row of the table of concurrency models.
type Model struct {
	// Name is the model's name on the command line and in the docs.
	Name string

	// AtOnce returns how many sessions the model, built with f, runs at
	// once, or 0 for as many as [netlab.Config.MaxConns] lets in.
	AtOnce func(f Flags) int

	// Bound names what AtOnce counts, for messages ("64 workers"); empty
	// for a model with no bound of its own.
	Bound string

	// MaxClients is the most clients a test or benchmark should hold open
	// against the model at once because each one is expensive (a
	// multiprocess child costs about a megabyte), or 0 for no such limit.
	MaxClients int

	// Flags names the `netlab serve` flags that this model alone reads
	// (pool's -workers): given with another model they are an error.
	Flags []string

	// OwnService says the model builds its own instance of the service
	// from the one it is given (multiprocess children rebuild it from its
	// Spec), so another transport handed the same value would not share
	// its state (chat's room), nor would a wrapper see its traffic.
	OwnService bool

	// New returns a server running svc under this model.
	New func(svc netlab.Service, cfg netlab.Config, f Flags) (netlab.Server, error)
}

// All is every model netlab has, in the order the docs teach them.
var All = []Model{
	{
		Name:   "iterative",
		AtOnce: func(Flags) int { return 1 },
		New: func(svc netlab.Service, cfg netlab.Config, _ Flags) (netlab.Server, error) {
			return iterative.New(svc, cfg), nil
		},
	},
	{
		Name: "perconn",
		New: func(svc netlab.Service, cfg netlab.Config, _ Flags) (netlab.Server, error) {
			return perconn.New(svc, cfg), nil
		},
	},
	{
		Name:   "pool",
		AtOnce: func(f Flags) int { return orDefault(f.Workers, pool.DefaultWorkers) },
		Bound:  "workers",
		Flags:  []string{"workers", "overflow"},
		New: func(svc netlab.Service, cfg netlab.Config, f Flags) (netlab.Server, error) {
			return pool.New(svc, cfg, pool.Options{Workers: f.Workers, Overflow: f.Overflow}), nil
		},
	},
	{
		Name:  "eventloop",
		Flags: []string{"loops"},
		New: func(svc netlab.Service, cfg netlab.Config, f Flags) (netlab.Server, error) {
			srv, err := eventloop.New(svc, cfg, eventloop.Options{Loops: f.Loops})
			if err != nil {
				return nil, err // not a nil *eventloop.Server in a non-nil interface; off Linux it wraps netlab.ErrUnsupported
			}
			return srv, nil
		},
	},
	{
		Name:       "multiprocess",
		MaxClients: 100,
		Flags:      []string{"procs"},
		OwnService: true,
		New: func(svc netlab.Service, cfg netlab.Config, f Flags) (netlab.Server, error) {
			// Children rebuild the service from its Spec; svc is the
			// parent's, which names the service and its files root.
			spec, err := mpservices.SpecOf(svc)
			if err != nil {
				return nil, err
			}
			if fs, ok := svc.(*filesrv.Service); ok {
				spec = mpservices.Files(fs.String(), orDefault(f.MaxUpload, filesrv.DefaultMaxUpload))
			}
			srv, err := multiprocess.New(spec, cfg, multiprocess.Options{Procs: f.Procs, Wrap: f.Wrap})
			if err != nil {
				return nil, err
			}
			return srv, nil
		},
	},
}

// orDefault returns v, or def if v is zero or less.
func orDefault[T int | int64](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}

// Serial reports whether m, built with f, serves one client at a time.
func (m Model) Serial(f Flags) bool { return m.limit(f) == 1 }

// limit returns how many clients m, built with f, serves at once, or 0 for
// no limit but the configuration's.
func (m Model) limit(f Flags) int {
	if m.AtOnce == nil {
		return 0
	}
	return m.AtOnce(f)
}

// Serves reports whether m, built with f, serves n clients at once.
func (m Model) Serves(n int, f Flags) bool {
	l := m.limit(f)
	return l == 0 || n <= l
}

// With returns m's constructor with f fixed: the shape netlabtest.Start and
// the conformance harness take.
func (m Model) With(f Flags) func(netlab.Service, netlab.Config) (netlab.Server, error) {
	return func(svc netlab.Service, cfg netlab.Config) (netlab.Server, error) {
		return m.New(svc, cfg, f)
	}
}

// Limit returns the most clients a test should hold open against m, built
// with f, at once: what it serves at once or what is cheap enough, whichever
// is less; 0 means no limit.
func (m Model) Limit(f Flags) int {
	l := m.limit(f)
	if m.MaxClients > 0 && (l == 0 || m.MaxClients < l) {
		l = m.MaxClients
	}
	return l
}

// Reference is the model a service's own tests run under: a goroutine per
// connection, the plainest model that serves clients at once.
func Reference() Model { return MustLookup("perconn") }

// OneAtATime is the model that serves one client at a time, for a
// service's tests of what a client waiting its turn sees.
func OneAtATime() Model { return MustLookup("iterative") }

// Lookup returns the model called name.
func Lookup(name string) (Model, error) {
	i := slices.IndexFunc(All, func(m Model) bool { return m.Name == name })
	if i < 0 {
		return Model{}, unknown("model", name, Names())
	}
	return All[i], nil
}

// MustLookup is Lookup for a name a program or test spells itself; it
// panics if there is no such model.
func MustLookup(name string) Model {
	m, err := Lookup(name)
	if err != nil {
		panic(err)
	}
	return m
}

// Names returns the models' names in the table's order.
func Names() []string {
	names := make([]string, len(All))
	for i, m := range All {
		names[i] = m.Name
	}
	return names
}

// unknown is the error for a name that is not in a table: it says which
// names are.
func unknown(what, name string, names []string) error {
	return fmt.Errorf("unknown %s %q: want one of %v", what, name, names)
}
