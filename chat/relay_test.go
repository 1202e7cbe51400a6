package chat

import (
	"net"
	"slices"
	"strings"
	"testing"
)

// relayRig is a hub in "the parent" and relay hubs in two "children", each
// linked to it by its own in-memory stream, as the multiprocess model links
// child processes by socketpairs.
type relayRig struct {
	hub    *LocalHub
	relays []*RelayHub
	links  []net.Conn // the children's ends
	served []chan error
}

func newRelayRig(t *testing.T, children int) *relayRig {
	t.Helper()
	r := &relayRig{hub: NewHub(nil)}
	for range children {
		parentEnd, childEnd := net.Pipe()
		served := make(chan error, 1)
		go func() { served <- ServeRelay(r.hub, parentEnd) }()
		r.relays = append(r.relays, NewRelayHub(childEnd))
		r.links = append(r.links, childEnd)
		r.served = append(r.served, served)
	}
	t.Cleanup(func() {
		for i, h := range r.relays {
			h.Close()
			if err := <-r.served[i]; err != nil {
				t.Errorf("ServeRelay for child %d: %v", i, err)
			}
		}
	})
	return r
}

// settle makes two round trips over every link. The parent handles each
// link's requests in order and answers one only after queueing what it
// caused, and each child reads its stream in order: once the first round
// has returned, every request sent before settle was called has been
// handled, and once the second has, every delivery those requests caused
// has reached its member.
func (r *relayRig) settle() {
	for range 2 {
		for _, h := range r.relays {
			h.Who()
		}
	}
}

func TestRelay(t *testing.T) {
	t.Run("members in two children welcome, hear and leave each other", func(t *testing.T) {
		r := newRelayRig(t, 2)
		a, b := &fakeConn{}, &fakeConn{}
		ida := r.relays[0].Join(a)
		if got := a.take(); got != "* welcome guest-1\n" {
			t.Fatalf("a got %q before Join returned, want its welcome", got)
		}
		idb := r.relays[1].Join(b)
		if got := b.take(); got != "* welcome guest-2\n" {
			t.Fatalf("b got %q, want its welcome", got)
		}
		r.relays[1].Say(idb, "hello from the other process")
		r.settle()
		if got, want := a.take(), "* guest-2 joined\nguest-2: hello from the other process\n"; got != want {
			t.Errorf("a got %q, want %q", got, want)
		}
		r.relays[0].Leave(ida)
		r.settle()
		if got, want := b.take(), "* guest-1 left\n"; got != want {
			t.Errorf("b got %q, want %q", got, want)
		}
	})

	t.Run("rename, tell and who answer as a local hub does", func(t *testing.T) {
		r := newRelayRig(t, 2)
		a, b := &fakeConn{}, &fakeConn{}
		ida := r.relays[0].Join(a)
		idb := r.relays[1].Join(b)
		if err := r.relays[0].Rename(ida, "ann"); err != nil {
			t.Fatalf("rename to a free name: %v", err)
		}
		if err := r.relays[1].Rename(idb, "ann"); err != ErrNameTaken {
			t.Errorf("rename to a taken name: got %v, want ErrNameTaken", err)
		}
		if err := r.relays[1].Tell(idb, "nobody", "hi"); err != ErrNoSuchUser {
			t.Errorf("tell nobody: got %v, want ErrNoSuchUser", err)
		}
		if err := r.relays[1].Tell(idb, "no such name!", "hi"); err != ErrNoSuchUser {
			t.Errorf("tell an invalid name: got %v, want ErrNoSuchUser", err)
		}
		if err := r.relays[1].Tell(idb, "ann", "psst, with spaces"); err != nil {
			t.Errorf("tell ann: %v", err)
		}
		if got, want := r.relays[1].Who(), []string{"ann", "guest-2"}; !slices.Equal(got, want) {
			t.Errorf("who: got %q, want %q", got, want)
		}
		r.settle()
		if got, want := a.take(), "* welcome guest-1\n* guest-2 joined\n* you are ann\nguest-2 (dm): psst, with spaces\n"; got != want {
			t.Errorf("a got %q, want %q", got, want)
		}
	})

	t.Run("a child that dies takes its members out of the room", func(t *testing.T) {
		r := newRelayRig(t, 2)
		a, b := &fakeConn{}, &fakeConn{}
		r.relays[0].Join(a)
		r.relays[1].Join(b)
		r.settle()
		a.take()
		// The child's end closes as it would when the process dies: the
		// parent makes its members leave, and the child's own members are
		// closed, since they can no longer chat.
		r.links[1].Close()
		if err := <-r.served[1]; err != nil {
			t.Errorf("ServeRelay after the child died: %v", err)
		}
		r.served[1] <- nil // for the cleanup
		r.settle()
		if got := a.take(); got != "* guest-2 left\n" {
			t.Errorf("a got %q, want guest-2 to leave", got)
		}
		<-r.relays[1].done
		if !b.isClosed() {
			t.Error("the member of the child whose link broke is still open")
		}
		if got := r.relays[1].Who(); got != nil {
			t.Errorf("who over a broken link: got %q, want nothing", got)
		}
		if id := r.relays[1].Join(&fakeConn{}); id != 0 {
			t.Errorf("join over a broken link: got ID %d, want 0", id)
		}
	})

	t.Run("a request about another child's member is ignored", func(t *testing.T) {
		r := newRelayRig(t, 2)
		a, b := &fakeConn{}, &fakeConn{}
		ida := r.relays[0].Join(a)
		r.relays[1].Join(b)
		r.relays[1].Say(ida, "I am not guest-1")
		r.relays[1].Leave(ida) // unknown to the child: not even sent
		r.settle()
		if got := b.take(); strings.Contains(got, "not guest-1") {
			t.Errorf("child 1 spoke for child 0's member: b got %q", got)
		}
		if got := r.relays[0].Who(); !slices.Equal(got, []string{"guest-1", "guest-2"}) {
			t.Errorf("who: got %q", got)
		}
	})

	t.Run("chat sessions run unchanged over a relay", func(t *testing.T) {
		r := newRelayRig(t, 2)
		s0, s1 := New(Options{Hub: r.relays[0]}), New(Options{Hub: r.relays[1]})
		a, b := &fakeConn{}, &fakeConn{}
		sa, sb := s0.Open(a), s1.Open(b)
		sa.Data([]byte("/nick ann\n"))
		sb.Data([]byte("%ann%hi ann\n/who\n"))
		r.settle()
		if got, want := b.take(), "* welcome guest-2\n* guest-1 is now ann\n* online: ann guest-2\n"; got != want {
			t.Errorf("b got %q, want %q", got, want)
		}
		sb.Data([]byte("/quit\n"))
		sb.Closed(nil)
		r.settle()
		sa.Closed(nil)
		if got, want := a.take(), "* welcome guest-1\n* guest-2 joined\n* you are ann\nguest-2 (dm): hi ann\n* guest-2 left\n"; got != want {
			t.Errorf("a got %q, want %q", got, want)
		}
	})
}
