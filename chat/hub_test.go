package chat

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/netlab-go/netlab"
)

func TestHubNames(t *testing.T) {
	t.Run("newcomers are numbered from guest-1", func(t *testing.T) {
		h := NewHub(nil)
		for i := 1; i <= 3; i++ {
			c := &fakeConn{}
			h.Join(c)
			if got, want := c.take(), fmt.Sprintf("* welcome guest-%d\n", i); got != want {
				t.Errorf("newcomer %d got %q, want %q", i, got, want)
			}
		}
	})

	t.Run("a guest name taken with nick is skipped", func(t *testing.T) {
		h := NewHub(nil)
		id := h.Join(&fakeConn{})
		if err := h.Rename(id, "guest-2"); err != nil {
			t.Fatal(err)
		}
		c := &fakeConn{}
		h.Join(c)
		if got, want := c.take(), "* welcome guest-3\n"; got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	})

	t.Run("a name freed by leaving can be taken", func(t *testing.T) {
		h := NewHub(nil)
		a := h.Join(&fakeConn{})
		h.Rename(a, "ann")
		h.Leave(a)
		b := h.Join(&fakeConn{})
		if err := h.Rename(b, "ann"); err != nil {
			t.Errorf("rename to a freed name: %v", err)
		}
	})

	t.Run("who sorts by byte order", func(t *testing.T) {
		h := NewHub(nil)
		for range 10 {
			h.Join(&fakeConn{})
		}
		id := h.Join(&fakeConn{})
		h.Rename(id, "Zed")
		want := "Zed guest-1 guest-10 guest-2 guest-3 guest-4 guest-5 guest-6 guest-7 guest-8 guest-9"
		if got := strings.Join(h.Who(), " "); got != want {
			t.Errorf("who: %q, want %q", got, want)
		}
	})
}

func TestHubLeave(t *testing.T) {
	t.Run("leaving twice is announced once", func(t *testing.T) {
		h := NewHub(nil)
		a, b := &fakeConn{}, &fakeConn{}
		ida := h.Join(a)
		h.Join(b)
		b.take()
		h.Leave(ida)
		h.Leave(ida)
		if got, want := b.take(), "* guest-1 left\n"; got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	})

	t.Run("requests from a member that left do nothing", func(t *testing.T) {
		h := NewHub(nil)
		a, b := &fakeConn{}, &fakeConn{}
		ida := h.Join(a)
		h.Join(b)
		h.Leave(ida)
		b.take()
		h.Say(ida, "ghost")
		if err := h.Tell(ida, "guest-2", "ghost"); err != nil {
			t.Errorf("tell from a departed member: %v", err)
		}
		if err := h.Rename(ida, "ghost"); err != nil {
			t.Errorf("rename of a departed member: %v", err)
		}
		if got := b.take(); got != "" {
			t.Errorf("guest-2 got %q from a departed member", got)
		}
	})
}

// TestHubOverflowingMemberAlone checks that a member whose queue overflows
// only loses its own lines: the others get every line, and when its session
// reports the drop, they hear that it left.
func TestHubOverflowingMemberAlone(t *testing.T) {
	h := NewHub(nil)
	slow := &fakeConn{max: 100}
	fast := &fakeConn{}
	talker := &fakeConn{}
	idSlow := h.Join(slow)
	h.Join(fast)
	idTalker := h.Join(talker)
	fast.take()
	var want strings.Builder
	for i := range 50 {
		h.Say(idTalker, "line "+strconv.Itoa(i))
		fmt.Fprintf(&want, "guest-3: line %d\n", i)
	}
	if !slow.isClosed() {
		t.Fatal("the slow member did not overflow")
	}
	h.Leave(idSlow) // what its session's Closed does
	want.WriteString("* guest-1 left\n")
	if got := fast.take(); got != want.String() {
		t.Errorf("the fast member got %q, want every line and the leave", got)
	}
}

// recorder is a Member that checks, as lines arrive, that each sender's
// numbered messages come in order.
type recorder struct {
	mu   sync.Mutex
	last map[string]int // sender → last number seen; guarded by mu
	n    int            // messages received; guarded by mu
	err  error          // first order violation; guarded by mu
}

func (r *recorder) Send(p []byte) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	from, text, ok := strings.Cut(strings.TrimSuffix(string(p), "\n"), ": ")
	if !ok || strings.HasPrefix(from, "*") {
		return nil // a join or leave
	}
	seq, err := strconv.Atoi(text)
	if err != nil {
		r.err = fmt.Errorf("unexpected line %q", p)
		return nil
	}
	if prev, seen := r.last[from]; seen && seq != prev+1 && r.err == nil {
		r.err = fmt.Errorf("from %s: %d after %d", from, seq, prev)
	}
	r.last[from] = seq
	r.n++
	return nil
}

// TestHubConcurrentSendersKeepOrder has many senders broadcast at once
// while members join and leave: with -race this is the test of the hub's
// locking, and every receiver must see each sender's lines in order.
func TestHubConcurrentSendersKeepOrder(t *testing.T) {
	const senders, msgs = 8, 200
	h := NewHub(nil)
	recs := make([]*recorder, senders)
	ids := make([]ID, senders)
	for i := range recs {
		recs[i] = &recorder{last: map[string]int{}}
		ids[i] = h.Join(recs[i])
	}
	var wg sync.WaitGroup
	for i := range senders {
		wg.Go(func() {
			for j := range msgs {
				h.Say(ids[i], strconv.Itoa(j))
			}
		})
	}
	wg.Go(func() { // churn: members come and go during the broadcasts
		for range 100 {
			id := h.Join(&fakeConn{})
			h.Who()
			h.Leave(id)
		}
	})
	wg.Wait()
	for i, r := range recs {
		if r.err != nil {
			t.Errorf("receiver %d: %v", i, r.err)
		}
		if want := (senders - 1) * msgs; r.n != want {
			t.Errorf("receiver %d got %d messages, want %d", i, r.n, want)
		}
	}
}

// TestHubLeaveDuringBroadcasts drops members while a broadcast loop runs,
// the way a model does after an overflow: Send fails at once, and the
// dropped connection's own goroutine later calls its session's Closed, which
// takes the hub's lock. Nothing may deadlock, and every dropped member must
// be gone in the end.
func TestHubLeaveDuringBroadcasts(t *testing.T) {
	h := NewHub(nil)
	talker := h.Join(&fakeConn{})
	var wg sync.WaitGroup
	for range 4 {
		c := &fakeConn{max: 64, dropped: make(chan struct{})}
		id := h.Join(c)
		wg.Go(func() {
			<-c.dropped
			s := &session{c: c, hub: h, id: id}
			s.Closed(netlab.ErrOverflow)
		})
	}
	wg.Go(func() {
		for i := 0; len(h.Who()) > 1; i++ {
			h.Say(talker, strconv.Itoa(i))
		}
	})
	wg.Wait()
	if got := h.Who(); len(got) != 1 {
		t.Errorf("who after every slow member was dropped: %q", got)
	}
}
