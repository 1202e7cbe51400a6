package labkit

import (
	"testing"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/internal/models"
	"github.com/netlab-go/netlab/multiprocess"
	"github.com/netlab-go/netlab/netlabtest"
)

// EveryModel runs f as a subtest for each of netlab's five models serving
// svc, with addr the server's loopback address. A service of the lab's own
// crosses exec only as the Spec its test registered with
// [multiprocess.Register], so spec is what the multiprocess model's
// children build; the other models serve svc itself.
func EveryModel(t *testing.T, svc netlab.Service, spec multiprocess.Spec, f func(t *testing.T, addr string)) {
	for _, m := range models.All {
		t.Run("under "+m.Name, func(t *testing.T) {
			newServer := netlabtest.NewServerFunc(m.With(models.Flags{}))
			if m.Name == "multiprocess" { // the one model that cannot share svc's memory
				newServer = func(_ netlab.Service, cfg netlab.Config) (netlab.Server, error) {
					return multiprocess.New(spec, cfg, multiprocess.Options{})
				}
			}
			addr, _ := netlabtest.Start(t, newServer, svc, netlab.Config{})
			f(t, addr)
		})
	}
}

// ModelNames returns the names of the models [EveryModel] runs, in order.
func ModelNames() []string { return models.Names() }
