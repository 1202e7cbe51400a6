// Package conformance is the black-box harness that holds every model to the
// same wire behaviour: it starts a model on loopback, drives it with plain TCP
// clients (never the services' own code, so that a bug shared by client and
// server cannot hide), and compares what comes back byte for byte with the
// golden transcripts [netlabtest.Golden] holds.
//
// compare_test.go at the module root runs it over every model × service; a
// model's own tests may run it too.
package conformance

import (
	"net"
	"testing"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/internal/models"
	"github.com/netlab-go/netlab/netlabtest"
)

// Model is what the harness needs to know of a model: a name, a
// constructor, and how many clients it serves at once. [Of] makes one from
// the table of models.
type Model struct {
	// Name is the model's name on the command line: iterative, perconn, …
	Name string

	// New returns a server running svc under this model.
	New func(svc netlab.Service, cfg netlab.Config) (netlab.Server, error)

	// Serial is true for a model that serves one client at a time; tests
	// that need two clients talking at once skip it and show its
	// head-of-line blocking instead.
	Serial bool

	// Limit is the most sessions the model runs at once (a pool's
	// workers), or 0 for no limit but the configuration's MaxConns. Tests
	// and benchmarks that hold more clients open than this skip the model
	// or stay under it.
	Limit int

	// OwnService is true for a model that builds its own instance of the
	// service in each child process (from the Spec it was registered
	// under): its sessions share neither the memory of the service it was
	// handed nor this process's descriptor table.
	OwnService bool
}

// Of returns the harness's view of a row of the table of models, built
// with f.
func Of(m models.Model, f models.Flags) Model {
	return Model{Name: m.Name, New: m.With(f), Serial: m.Serial(f), Limit: m.Limit(f), OwnService: m.OwnService}
}

// OwnTests runs suite — [Echo], [Chat] or [Files] — the way a service's
// own package runs it: on the reference model, and on the one that serves a
// client at a time, which shows its head-of-line blocking instead of the
// multi-client tests. compare_test.go runs the suites over every model.
func OwnTests(t *testing.T, suite func(*testing.T, Model)) {
	for _, m := range []models.Model{models.OneAtATime(), models.Reference()} {
		t.Run(m.Name, func(t *testing.T) { suite(t, Of(m, models.Flags{})) })
	}
}

// Serves reports whether m serves n clients at once.
func (m Model) Serves(n int) bool {
	switch {
	case m.Serial:
		return n <= 1
	case m.Limit > 0:
		return n <= m.Limit
	}
	return true
}

// Timeout bounds every wait in the harness; it is [netlabtest.Timeout].
const Timeout = netlabtest.Timeout

// Start serves svc under m on a fresh port of 127.0.0.1 and returns the
// address and the server, shut down when the test ends: [netlabtest.Start]
// for a row of the table.
func Start(t testing.TB, m Model, svc netlab.Service, cfg netlab.Config) (string, netlab.Server) {
	t.Helper()
	return netlabtest.Start(t, m.New, svc, cfg)
}

// Dial is [netlabtest.Dial].
func Dial(t testing.TB, addr string) *net.TCPConn {
	t.Helper()
	return netlabtest.Dial(t, addr)
}

// WaitClosed is [netlabtest.WaitClosed].
func WaitClosed(t testing.TB, c net.Conn) {
	t.Helper()
	netlabtest.WaitClosed(t, c)
}
