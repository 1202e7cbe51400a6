package labkit

import (
	"testing"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/internal/conformance"
	"github.com/netlab-go/netlab/internal/models"
	"github.com/netlab-go/netlab/multiprocess"
	"github.com/netlab-go/netlab/netlabtest"
)

// EveryModel runs f as a subtest for each of netlab's five models serving
// svc, with addr the server's loopback address. A service of the lab's own
// crosses exec only as the Spec its test registered with
// [multiprocess.Register], so spec is what a model whose children build
// their own service is handed; the other models serve svc itself.
func EveryModel(t *testing.T, svc netlab.Service, spec multiprocess.Spec, f func(t *testing.T, addr string)) {
	for _, m := range models.All {
		t.Run("under "+m.Name, func(t *testing.T) {
			h := conformance.Of(m, models.Flags{})
			newServer := netlabtest.NewServerFunc(h.New)
			if h.OwnService { // it cannot share svc's memory
				newServer = func(_ netlab.Service, cfg netlab.Config) (netlab.Server, error) {
					return multiprocess.New(spec, cfg, multiprocess.Options{})
				}
			}
			addr, _ := netlabtest.Start(t, newServer, svc, netlab.Config{})
			f(t, addr)
		})
	}
}

// EverySharedModel runs f as a subtest for each model that serves many
// clients at once from the very service it is handed, in this process: the
// models under which the members of a room kept in a service's memory
// meet. f starts its server with newServer, on a service of its own.
func EverySharedModel(t *testing.T, f func(t *testing.T, newServer netlabtest.NewServerFunc)) {
	for _, m := range models.All {
		h := conformance.Of(m, models.Flags{})
		if h.Serial || h.OwnService {
			continue
		}
		t.Run("under "+m.Name, func(t *testing.T) { f(t, h.New) })
	}
}

// ModelNames returns the names of the models [EveryModel] runs, in order.
func ModelNames() []string { return models.Names() }
