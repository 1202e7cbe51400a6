package models

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/chat"
	"github.com/netlab-go/netlab/echo"
	"github.com/netlab-go/netlab/filesrv"
)

// A Service is one row of the table of services.
type Service struct {
	// Name is the service's name on the command line and in the docs.
	Name string

	// New builds the service from f. cleanup releases what it opened (the
	// files service's folder) and is called once the server has stopped;
	// it is never nil when err is nil.
	New func(f Flags) (svc netlab.Service, cleanup func() error, err error)
}

// Services is every service netlab has, in the order the docs teach them.
var Services = []Service{
	{Name: "echo", New: func(Flags) (netlab.Service, func() error, error) {
		return echo.New(), nop, nil
	}},
	// One room, logging joins, renames and leaves at debug level. Its idle
	// timeout and busy reply come with the service.
	{Name: "chat", New: func(f Flags) (netlab.Service, func() error, error) {
		return chat.New(chat.Options{Logger: f.Logger}), nop, nil
	}},
	{Name: "files", New: newFiles},
}

func nop() error { return nil }

// newFiles serves f.Root, or a folder under the user's cache dir made for
// the purpose, and says which.
func newFiles(f Flags) (netlab.Service, func() error, error) {
	root := f.Root
	if root == "" {
		cache, err := os.UserCacheDir()
		if err != nil {
			return nil, nil, fmt.Errorf("files: no -root given and no cache folder to default to (%w): pass -root DIR", err)
		}
		root = filepath.Join(cache, "netlab", "files")
		if err := os.MkdirAll(root, 0o755); err != nil {
			return nil, nil, fmt.Errorf("files: create the default folder: %w", err)
		}
	}
	if abs, err := filepath.Abs(root); err == nil {
		root = abs
	}
	svc, err := filesrv.New(root, filesrv.Options{MaxUpload: f.MaxUpload, Logger: f.Logger})
	if err != nil {
		return nil, nil, fmt.Errorf("files: %w (pass -root DIR with an existing folder)", err)
	}
	if f.Say != nil {
		fmt.Fprintf(f.Say, "serving files from %s\n", root)
	}
	return svc, svc.Close, nil
}

// LookupService returns the service called name.
func LookupService(name string) (Service, error) {
	i := slices.IndexFunc(Services, func(s Service) bool { return s.Name == name })
	if i < 0 {
		return Service{}, unknown("service", name, ServiceNames())
	}
	return Services[i], nil
}

// ServiceNames returns the services' names in the table's order.
func ServiceNames() []string {
	names := make([]string, len(Services))
	for i, s := range Services {
		names[i] = s.Name
	}
	return names
}
