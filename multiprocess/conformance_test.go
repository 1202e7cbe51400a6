package multiprocess_test

import (
	"testing"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/internal/conformance"
	"github.com/netlab-go/netlab/multiprocess"
	"github.com/netlab-go/netlab/multiprocess/services"
)

// model returns the multiprocess model as a row of the comparison table,
// with procs preforked children (0: a child per connection). The harness
// hands it a service value; what crosses exec is that service's Spec.
func model(procs int) conformance.Model {
	name := "multiprocess"
	if procs > 0 {
		name = "multiprocess-prefork"
	}
	return conformance.Model{Name: name, New: func(svc netlab.Service, cfg netlab.Config) (netlab.Server, error) {
		spec, err := services.SpecOf(svc)
		if err != nil {
			return nil, err
		}
		return multiprocess.New(spec, cfg, multiprocess.Options{Procs: procs})
	}}
}

var modes = []struct {
	name  string
	procs int
}{
	{"a child per connection", 0},
	{"two preforked children", 2},
}

func TestEcho(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode.name, func(t *testing.T) { conformance.Echo(t, model(mode.procs)) })
	}
}

func TestChat(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode.name, func(t *testing.T) { conformance.Chat(t, model(mode.procs)) })
	}
}

func TestFiles(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode.name, func(t *testing.T) { conformance.Files(t, model(mode.procs)) })
	}
}
