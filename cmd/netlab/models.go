package main

import (
	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/eventloop"
	"github.com/netlab-go/netlab/iterative"
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
	}
}
