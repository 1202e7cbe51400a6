package chat

import (
	"io"
	"net"
	"strings"
	"testing"

	"github.com/netlab-go/netlab/internal/frame"
	"github.com/netlab-go/netlab/netlabtest"
)

func frameOf(verb string, num uint64, text string) frame.Frame {
	return frame.Frame{Verb: verb, Num: num, Text: text}
}

// FuzzRelayHubSide feeds the hub's side of a link any bytes: it never
// panics, it always returns, and every member that joined over the link has
// left the hub afterwards.
func FuzzRelayHubSide(f *testing.F) {
	f.Fuzz(func(t *testing.T, stream []byte) {
		parent := New(Options{})
		parentEnd, childEnd := net.Pipe()
		served := make(chan error, 1)
		go func() { served <- parent.ServeRelay(parentEnd) }()
		drained := make(chan struct{})
		go func() { defer close(drained); io.Copy(io.Discard, childEnd) }()
		childEnd.Write(stream) // stops early if the hub's side cuts the link
		childEnd.Close()
		<-served
		<-drained
		if who := parent.Hub().Who(); len(who) > 0 {
			t.Fatalf("after the link ended %q are still in the room", who)
		}
	})
}

// FuzzRelayChildSide feeds a RelayHub's reader any bytes: it never panics,
// it ends when the stream does, and a member it holds is closed then.
func FuzzRelayChildSide(f *testing.F) {
	f.Fuzz(func(t *testing.T, stream []byte) {
		parentEnd, childEnd := net.Pipe()
		h := NewRelayHub(childEnd)
		joined := make(chan ID, 1)
		m := netlabtest.NewConn()
		go func() { joined <- h.Join(m) }()
		// The join comes first; then the fuzzed bytes, which may or may
		// not answer it.
		r := frame.NewReader(parentEnd, relayMaxLine)
		if _, err := r.Read(); err != nil {
			t.Fatalf("the join request: %v", err)
		}
		drained := make(chan struct{})
		go func() { defer close(drained); io.Copy(io.Discard, parentEnd) }()
		parentEnd.Write(stream)
		parentEnd.Close()
		<-h.done
		<-joined
		<-drained
		if !m.Closed() {
			t.Fatal("the member of a RelayHub whose link ended is open")
		}
	})
}

// FuzzRelayRoundTrip says any text across two children: a line a session
// may say (no LF, at most MaxLine bytes: a session discards a longer line
// before it says anything) reaches the other child's member byte for byte.
func FuzzRelayRoundTrip(f *testing.F) {
	f.Add("hello")
	f.Add("  spaces at both ends  ")
	f.Add("answer 1 ok")
	f.Add("")
	f.Add(strings.Repeat("x", MaxLine)) // the longest say and tell fit a relay line
	f.Fuzz(func(t *testing.T, text string) {
		if strings.Contains(text, "\n") || len(text) > MaxLine {
			return
		}
		r := newRelayRig(t, 2)
		a, b := netlabtest.NewConn(), netlabtest.NewConn()
		ida := r.relays[0].Join(a)
		r.relays[1].Join(b)
		r.relays[0].Say(ida, text)
		r.relays[0].Tell(ida, "guest-2", text)
		r.settle()
		if got, want := b.Take(), "* welcome guest-2\nguest-1: "+text+"\nguest-1 (dm): "+text+"\n"; got != want {
			t.Fatalf("b got %q, want %q", got, want)
		}
	})
}
