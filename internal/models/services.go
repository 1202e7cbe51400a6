package models

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/chat"
	"github.com/netlab-go/netlab/echo"
	"github.com/netlab-go/netlab/filesrv"
	"github.com/netlab-go/netlab/tempconv"
	"github.com/netlab-go/netlab/udp"
	"github.com/netlab-go/netlab/web"
)

// A Service is one row of the table of services.
type Service struct {
	// Name is the service's name on the command line and in the docs.
	Name string

	// Port is the service's own TCP port on 127.0.0.1: where `netlab
	// serve` listens without -addr and where its client dials by default.
	Port int

	// Framing is how the service's bytes divide into messages, for a log
	// of its traffic and for the transports that carry messages.
	Framing Framing

	// UDP says the service runs over UDP (`netlab serve -udp`).
	UDP bool

	// Web says the service runs in a browser (`netlab serve -web`), and
	// Page is the page served at "/" then.
	Web  bool
	Page web.Page

	// Flags names the `netlab serve` flags that this service alone reads
	// (files' -root): given with another service they are an error.
	Flags []string

	// Body, for a control-line service, returns how many raw bytes the
	// client sends after the control line it sent (a PUT's payload), or 0.
	// Nil means never any.
	Body func(line []byte) int64

	// New builds the service from f. cleanup releases what it opened (the
	// files service's folder) and is called once the server has stopped;
	// it is never nil when err is nil.
	New func(f Flags) (svc netlab.Service, cleanup func() error, err error)
}

// Services is every service netlab has, in the order the docs teach them.
var Services = []Service{
	{
		Name: "echo", Port: 7007, Framing: Bytes, UDP: true, Web: true, Page: web.ConsolePage,
		New: func(Flags) (netlab.Service, func() error, error) { return echo.New(), nop, nil },
	},
	// One room, logging joins, renames and leaves at debug level. Its idle
	// timeout and busy reply come with the service.
	{
		Name: "chat", Port: 7008, Framing: Lines, UDP: true, Web: true, Page: web.ChatPage,
		New: func(f Flags) (netlab.Service, func() error, error) {
			return chat.New(chat.Options{Logger: f.Logger}), nop, nil
		},
	},
	// Files are streams with sizes: a datagram or a text message cannot
	// carry them, so they are served over TCP only.
	{Name: "files", Port: 7009, Framing: Lines, Body: putBody, Flags: []string{"root", "max-upload"}, New: newFiles},
	// The first lab's converter: a line in, a line out.
	{
		Name: "tempconv", Port: 7010, Framing: Lines, UDP: true, Web: true, Page: web.ConsolePage,
		New: func(Flags) (netlab.Service, func() error, error) { return tempconv.New(), nop, nil },
	},
}

// Framing is how a service's bytes divide into messages.
type Framing int

const (
	// Bytes is a stream with no edges of its own (echo): a log shows each
	// read and each send as it happened.
	Bytes Framing = iota
	// Lines is a stream of LF-terminated lines (chat, tempconv, files'
	// control lines): a log shows each line.
	Lines
)

// UDPOptions returns how a udp.Server serves s.
func (s Service) UDPOptions() udp.Options { return udp.Options{Lines: s.Framing == Lines} }

// WebOptions returns how a web.Server serves s.
func (s Service) WebOptions() []web.Option { return []web.Option{web.WithPage(s.Page)} }

// putBody returns the size a files PUT line announces (docs/protocols.md:
// "PUT NAME SIZE" and SIZE raw bytes), or 0 for any other line. A PUT the
// server refuses is followed by its close, so a size that turns out not to
// be sent costs nothing.
func putBody(line []byte) int64 {
	f := strings.Fields(string(line))
	if len(f) != 3 || f[0] != "PUT" {
		return 0
	}
	n, err := strconv.ParseInt(f[2], 10, 64)
	if err != nil || n < 0 {
		return 0
	}
	return n
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
	if _, err := os.Stat(root); errors.Is(err, os.ErrNotExist) {
		return nil, nil, fmt.Errorf("files: the folder %s does not exist: create it first (mkdir -p %s), or pass -root DIR with an existing folder", root, root)
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

// MustLookupService is LookupService for a name a program spells itself;
// it panics if there is no such service.
func MustLookupService(name string) Service {
	s, err := LookupService(name)
	if err != nil {
		panic(err)
	}
	return s
}
