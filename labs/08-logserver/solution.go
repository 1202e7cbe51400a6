//go:build !starter

package logserver

import (
	"fmt"
	"os"

	"github.com/netlab-go/netlab"
)

// A Service appends every line any client sends to one log file and
// answers each with Ack once the line is written. Lines from clients
// served at once — by goroutines, event loops or processes — never mix.
type Service struct {
	log *os.File // shared by every session; each line is one Write
}

// New returns a log server appending to the file at path, created if
// missing; what it holds already is kept.
func New(path string) (*Service, error) {
	// O_APPEND: each write lands at the end of the file as it is then,
	// atomically, even when several processes hold it open.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("logserver: %w", err)
	}
	return &Service{log: f}, nil
}

// Close closes the log.
func (s *Service) Close() error { return s.log.Close() }

// Open starts one client's session.
func (s *Service) Open(c netlab.Conn) netlab.Session { return &session{c: c, log: s.log} }

func (s *session) Closed(error) {}
