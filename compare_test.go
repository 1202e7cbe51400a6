package netlab_test

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/internal/conformance"
	"github.com/netlab-go/netlab/iterative"
	"github.com/netlab-go/netlab/perconn"
)

// models is the comparison table: every model netlab has, in the order the
// docs teach them. Every test and benchmark in this file runs over it.
var models = []conformance.Model{
	{Name: "iterative", Serial: true, New: func(svc netlab.Service, cfg netlab.Config) (netlab.Server, error) {
		return iterative.New(svc, cfg), nil
	}},
	{Name: "perconn", New: func(svc netlab.Service, cfg netlab.Config) (netlab.Server, error) {
		return perconn.New(svc, cfg), nil
	}},
}

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestEcho holds every model to RFC 862, byte for byte.
func TestEcho(t *testing.T) {
	for _, m := range models {
		t.Run(m.Name, func(t *testing.T) {
			conformance.Echo(t, m, "testdata/echo")
		})
	}
}
