package chat

import (
	"net"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netlab-go/netlab/internal/frame"
	"github.com/netlab-go/netlab/netlabtest"
)

// relayRig is a hub in "the parent" and relay hubs in two "children", each
// linked to it by its own in-memory stream, as the multiprocess model links
// child processes by socketpairs.
type relayRig struct {
	parent *Service
	relays []*RelayHub
	links  []net.Conn // the children's ends
	served []chan error
}

func newRelayRig(t *testing.T, children int) *relayRig {
	t.Helper()
	r := &relayRig{parent: New(Options{})}
	for range children {
		parentEnd, childEnd := net.Pipe()
		served := make(chan error, 1)
		go func() { served <- r.parent.ServeRelay(parentEnd) }()
		r.relays = append(r.relays, NewRelayHub(childEnd))
		r.links = append(r.links, childEnd)
		r.served = append(r.served, served)
	}
	t.Cleanup(func() {
		for i, h := range r.relays {
			h.Close()
			assert.NoError(t, <-r.served[i], "ServeRelay for child %d", i)
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
		a, b := netlabtest.NewConn(), netlabtest.NewConn()
		ida := r.relays[0].Join(a)
		require.Equal(t, "* welcome guest-1\n", a.Take(), "what a has before Join returns")
		idb := r.relays[1].Join(b)
		require.Equal(t, "* welcome guest-2\n", b.Take())
		r.relays[1].Say(idb, "hello from the other process")
		r.settle()
		assert.Equal(t, "* guest-2 joined\nguest-2: hello from the other process\n", a.Take())
		r.relays[0].Leave(ida)
		r.settle()
		assert.Equal(t, "* guest-1 left\n", b.Take())
	})

	t.Run("rename, tell and who answer as a local hub does", func(t *testing.T) {
		r := newRelayRig(t, 2)
		a, b := netlabtest.NewConn(), netlabtest.NewConn()
		ida := r.relays[0].Join(a)
		idb := r.relays[1].Join(b)
		require.NoError(t, r.relays[0].Rename(ida, "ann"), "rename to a free name")
		assert.ErrorIs(t, r.relays[1].Rename(idb, "ann"), ErrNameTaken, "rename to a taken name")
		assert.ErrorIs(t, r.relays[1].Tell(idb, "nobody", "hi"), ErrNoSuchUser)
		assert.ErrorIs(t, r.relays[1].Tell(idb, "no such name!", "hi"), ErrNoSuchUser)
		assert.NoError(t, r.relays[1].Tell(idb, "ann", "psst, with spaces"))
		assert.Equal(t, []string{"ann", "guest-2"}, r.relays[1].Who())
		r.settle()
		assert.Equal(t, "* welcome guest-1\n* guest-2 joined\n* you are ann\nguest-2 (dm): psst, with spaces\n", a.Take())
	})

	t.Run("a child that dies takes its members out of the room", func(t *testing.T) {
		r := newRelayRig(t, 2)
		a, b := netlabtest.NewConn(), netlabtest.NewConn()
		r.relays[0].Join(a)
		r.relays[1].Join(b)
		r.settle()
		a.Take()
		// The child's end closes as it would when the process dies: the
		// parent makes its members leave, and the child's own members are
		// closed, since they can no longer chat.
		r.links[1].Close()
		assert.NoError(t, <-r.served[1], "ServeRelay after the child died")
		r.served[1] <- nil // for the cleanup
		r.settle()
		assert.Equal(t, "* guest-2 left\n", a.Take())
		<-r.relays[1].done
		assert.True(t, b.Closed(), "the member of the child whose link broke is still open")
		assert.Nil(t, r.relays[1].Who(), "who over a broken link")
		assert.Zero(t, r.relays[1].Join(netlabtest.NewConn()), "the ID of a join over a broken link")
	})

	t.Run("a request about another child's member is ignored", func(t *testing.T) {
		r := newRelayRig(t, 2)
		a, b := netlabtest.NewConn(), netlabtest.NewConn()
		ida := r.relays[0].Join(a)
		r.relays[1].Join(b)
		r.relays[1].Say(ida, "I am not guest-1")
		r.relays[1].Leave(ida) // unknown to the child: not even sent
		r.settle()
		assert.NotContains(t, b.Take(), "not guest-1", "child 1 spoke for child 0's member")
		assert.Equal(t, []string{"guest-1", "guest-2"}, r.relays[0].Who())
	})

	t.Run("chat sessions run unchanged over a relay", func(t *testing.T) {
		r := newRelayRig(t, 2)
		s0, s1 := New(Options{Hub: r.relays[0]}), New(Options{Hub: r.relays[1]})
		a, b := netlabtest.NewConn(), netlabtest.NewConn()
		sa, sb := s0.Open(a), s1.Open(b)
		sa.Data([]byte("/nick ann\n"))
		sb.Data([]byte("%ann%hi ann\n/who\n"))
		r.settle()
		assert.Equal(t, "* welcome guest-2\n* guest-1 is now ann\n* online: ann guest-2\n", b.Take())
		sb.Data([]byte("/quit\n"))
		sb.Closed(nil)
		r.settle()
		sa.Closed(nil)
		assert.Equal(t, "* welcome guest-1\n* guest-2 joined\n* you are ann\nguest-2 (dm): hi ann\n* guest-2 left\n", a.Take())
	})

	t.Run("a broken request cuts the link, and its members leave", func(t *testing.T) {
		parent := New(Options{})
		parentEnd, childEnd := net.Pipe()
		served := make(chan error, 1)
		go func() { served <- parent.ServeRelay(parentEnd) }()
		h := NewRelayHub(childEnd)
		h.Join(netlabtest.NewConn())
		require.Equal(t, []string{"guest-1"}, parent.Hub().Who())
		h.w.Write(frameOf("frobnicate", 1, ""))
		assert.ErrorContains(t, <-served, "unknown request")
		<-h.done
		assert.Empty(t, parent.Hub().Who(), "the members of a cut link")
	})

	t.Run("deliveries that arrive together reach their member in one send, before the answer after them", func(t *testing.T) {
		hubEnd, childEnd := net.Pipe()
		t.Cleanup(func() { hubEnd.Close() })
		h := NewRelayHub(childEnd)
		t.Cleanup(func() { h.Close() })
		m := netlabtest.NewConn()
		joined := make(chan ID, 1)
		go func() { joined <- h.Join(m) }()
		join, err := frame.NewReader(hubEnd, 0).Read()
		require.NoError(t, err)
		require.Equal(t, "join", join.Verb)
		key := join.Text
		// One write: the RelayHub reads the four frames with one read.
		_, err = hubEnd.Write([]byte("deliver " + key + " one\ndeliver " + key + " two\n" +
			"deliver " + key + " three\n" + frameOf(frame.Answer, join.Num, "7").String() + "\n"))
		require.NoError(t, err)
		assert.Equal(t, ID(7), <-joined)
		assert.Equal(t, "one\ntwo\nthree\n", m.Take())
		assert.Equal(t, 1, m.Sends(), "sends for three lines read at once")
	})
}
