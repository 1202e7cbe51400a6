package main

import (
	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/iterative"
	"github.com/netlab-go/netlab/perconn"
)

func init() {
	modelList = []modelEntry{
		{"iterative", func(svc netlab.Service, cfg netlab.Config, _ *serveOptions) (netlab.Server, error) {
			return iterative.New(svc, cfg), nil
		}},
		{"perconn", func(svc netlab.Service, cfg netlab.Config, _ *serveOptions) (netlab.Server, error) {
			return perconn.New(svc, cfg), nil
		}},
	}
}
