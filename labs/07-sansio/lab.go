package sansio

import (
	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/tempconv"
)

// A Service converts degrees Celsius to degrees Fahrenheit, a line each.
type Service struct{}

var _ netlab.Service = (*Service)(nil)

// New returns the converter.
func New() *Service { return &Service{} }

// Open starts the session of one connection.
func (*Service) Open(c netlab.Conn) netlab.Session { return &session{c: c} }

// reply is the answer to one line (without its LF or CR), LF included, or
// "" for a line that gets none. The arithmetic and the error lines are not
// the lab: this is netlab's own converter's.
func reply(line []byte) string { return tempconv.Reply(line) }
