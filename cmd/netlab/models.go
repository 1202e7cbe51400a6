package main

import (
	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/eventloop"
	"github.com/netlab-go/netlab/filesrv"
	"github.com/netlab-go/netlab/iterative"
	"github.com/netlab-go/netlab/multiprocess"
	mpservices "github.com/netlab-go/netlab/multiprocess/services"
	"github.com/netlab-go/netlab/perconn"
	"github.com/netlab-go/netlab/pool"
)

func init() {
	modelList = []modelEntry{
		{"iterative", func(svc netlab.Service, cfg netlab.Config, _ *serveOptions) (netlab.Server, error) {
			return iterative.New(svc, cfg), nil
		}},
		{"perconn", func(svc netlab.Service, cfg netlab.Config, _ *serveOptions) (netlab.Server, error) {
			return perconn.New(svc, cfg), nil
		}},
		{"pool", func(svc netlab.Service, cfg netlab.Config, o *serveOptions) (netlab.Server, error) {
			var overflow pool.Overflow
			if err := overflow.Set(o.overflow); err != nil {
				return nil, err
			}
			return pool.New(svc, cfg, pool.Options{Workers: o.workers, Overflow: overflow}), nil
		}},
		{"eventloop", func(svc netlab.Service, cfg netlab.Config, o *serveOptions) (netlab.Server, error) {
			srv, err := eventloop.New(svc, cfg, eventloop.Options{Loops: o.loops})
			if err != nil {
				return nil, err // not a nil *eventloop.Server inside a non-nil interface
			}
			return srv, nil
		}},
		{"multiprocess", func(svc netlab.Service, cfg netlab.Config, o *serveOptions) (netlab.Server, error) {
			// Children rebuild the service from its Spec; svc is the
			// parent's, used to name the service and its files root.
			spec, err := mpservices.SpecOf(svc)
			if err != nil {
				return nil, err
			}
			if fs, ok := svc.(*filesrv.Service); ok {
				spec = mpservices.Files(fs.String(), int64(o.maxUpload))
			}
			srv, err := multiprocess.New(spec, cfg, multiprocess.Options{Procs: o.procs})
			if err != nil {
				return nil, err
			}
			return srv, nil
		}},
	}
}
