//go:build linux

package eventloop_test

import (
	"testing"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/eventloop"
	"github.com/netlab-go/netlab/internal/conformance"
	"github.com/netlab-go/netlab/netlabtest"
)

// model is this package's row of the comparison table, for the conformance
// harness.
var model = conformance.Model{
	Name: "eventloop",
	New: func(svc netlab.Service, cfg netlab.Config) (netlab.Server, error) {
		return newServer(svc, cfg, eventloop.Options{}, nil)
	},
}

// newServer is [eventloop.New] returning a [netlab.Server], with the test
// hooks setup sets (setup may be nil).
func newServer(svc netlab.Service, cfg netlab.Config, opts eventloop.Options, setup func(*eventloop.Server)) (netlab.Server, error) {
	srv, err := eventloop.New(svc, cfg, opts)
	if err != nil {
		return nil, err
	}
	if setup != nil {
		setup(srv)
	}
	return srv, nil
}

// start serves svc under opts on a fresh loopback port, with the hooks setup
// sets, and shuts the server down when the test ends (see netlabtest.Start).
func start(t testing.TB, svc netlab.Service, cfg netlab.Config, opts eventloop.Options, setup func(*eventloop.Server)) (*eventloop.Server, string) {
	t.Helper()
	addr, srv := netlabtest.Start(t, func(svc netlab.Service, cfg netlab.Config) (netlab.Server, error) {
		return newServer(svc, cfg, opts, setup)
	}, svc, cfg)
	return srv.(*eventloop.Server), addr
}
