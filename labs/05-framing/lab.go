package framing

import (
	"fmt"
	"sync"

	"github.com/netlab-go/netlab"
)

// A Service is a chat room: every line a member sends reaches every other
// member as "guest-N: LINE". It runs under any netlab model that shares
// memory between connections.
type Service struct {
	mu      sync.Mutex
	members map[netlab.Conn]string // each member's name; guarded by mu
	joined  int                    // members ever joined, for names; guarded by mu
}

var _ netlab.Service = (*Service)(nil)

// New returns an empty room.
func New() *Service { return &Service{members: map[netlab.Conn]string{}} }

// Open makes c a member and returns its session.
func (s *Service) Open(c netlab.Conn) netlab.Session {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.joined++
	name := fmt.Sprintf("guest-%d", s.joined)
	s.members[c] = name
	return &session{room: s, c: c, name: name}
}

// say sends "name: line" to every member but from. Send never blocks, so
// holding mu while it queues is cheap.
func (s *Service) say(from netlab.Conn, name, line string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	msg := []byte(name + ": " + line + "\n")
	for c := range s.members {
		if c != from {
			c.Send(msg)
		}
	}
}

// leave removes c from the room.
func (s *Service) leave(c netlab.Conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.members, c)
}
