//go:build starter

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
	path string
	// TODO: the log file, opened once by New for every session to share.
}

// New returns a log server appending to the file at path, created if
// missing; what it holds already is kept.
func New(path string) (*Service, error) {
	// TODO: open the file here, once: os.OpenFile with O_WRONLY, O_CREATE
	// and O_APPEND. O_APPEND makes each write go to the end of the file as
	// it is then, atomically, even from several processes.
	return &Service{path: path}, nil
}

// Close closes the log.
func (s *Service) Close() error { return nil }

// Open starts one client's session.
func (s *Service) Open(c netlab.Conn) netlab.Session {
	// TODO: a session must not open the log itself. os.Create truncates
	// the file: every new client wipes what the others logged.
	f, err := os.Create(s.path)
	if err != nil {
		c.Send([]byte(fmt.Sprintf("! %v\n", err)))
		c.Close()
	}
	return &session{c: c, log: f}
}

func (s *session) Closed(error) { s.log.Close() }
