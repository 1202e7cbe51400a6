package chat

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/netlabtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHubNames(t *testing.T) {
	t.Run("newcomers are numbered from guest-1", func(t *testing.T) {
		h := NewHub(nil)
		for i := 1; i <= 3; i++ {
			c := netlabtest.NewConn()
			h.Join(c)
			assert.Equal(t, fmt.Sprintf("* welcome guest-%d\n", i), c.Take())
		}
	})

	t.Run("a guest name taken with nick is skipped", func(t *testing.T) {
		h := NewHub(nil)
		id := h.Join(netlabtest.NewConn())
		require.NoError(t, h.Rename(id, "guest-2"))
		c := netlabtest.NewConn()
		h.Join(c)
		assert.Equal(t, "* welcome guest-3\n", c.Take())
	})

	t.Run("a name freed by leaving can be taken", func(t *testing.T) {
		h := NewHub(nil)
		a := h.Join(netlabtest.NewConn())
		h.Rename(a, "ann")
		h.Leave(a)
		b := h.Join(netlabtest.NewConn())
		assert.NoError(t, h.Rename(b, "ann"), "rename to a freed name")
	})

	t.Run("who sorts by byte order", func(t *testing.T) {
		h := NewHub(nil)
		for range 10 {
			h.Join(netlabtest.NewConn())
		}
		id := h.Join(netlabtest.NewConn())
		h.Rename(id, "Zed")
		want := "Zed guest-1 guest-10 guest-2 guest-3 guest-4 guest-5 guest-6 guest-7 guest-8 guest-9"
		assert.Equal(t, want, strings.Join(h.Who(), " "))
	})
}

func TestHubLeave(t *testing.T) {
	t.Run("leaving twice is announced once", func(t *testing.T) {
		h := NewHub(nil)
		a, b := netlabtest.NewConn(), netlabtest.NewConn()
		ida := h.Join(a)
		h.Join(b)
		b.Take()
		h.Leave(ida)
		h.Leave(ida)
		assert.Equal(t, "* guest-1 left\n", b.Take())
	})

	t.Run("requests from a member that left do nothing", func(t *testing.T) {
		h := NewHub(nil)
		a, b := netlabtest.NewConn(), netlabtest.NewConn()
		ida := h.Join(a)
		h.Join(b)
		h.Leave(ida)
		b.Take()
		h.Say(ida, "ghost")
		assert.NoError(t, h.Tell(ida, "guest-2", "ghost"), "tell from a departed member")
		assert.NoError(t, h.Rename(ida, "ghost"), "rename of a departed member")
		assert.Equal(t, "", b.Take())
	})
}

// TestHubOverflowingMemberAlone checks that a member whose queue overflows
// only loses its own lines: the others get every line, and when its session
// reports the drop, they hear that it left.
func TestHubOverflowingMemberAlone(t *testing.T) {
	h := NewHub(nil)
	slow := &netlabtest.Conn{Max: 100}
	fast := netlabtest.NewConn()
	talker := netlabtest.NewConn()
	idSlow := h.Join(slow)
	h.Join(fast)
	idTalker := h.Join(talker)
	fast.Take()
	var want strings.Builder
	for i := range 50 {
		h.Say(idTalker, "line "+strconv.Itoa(i))
		fmt.Fprintf(&want, "guest-3: line %d\n", i)
	}
	require.True(t, slow.Closed(), "the slow member did not overflow")
	h.Leave(idSlow) // what its session's Closed does
	want.WriteString("* guest-1 left\n")
	assert.Equal(t, want.String(), fast.Take())
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
			id := h.Join(netlabtest.NewConn())
			h.Who()
			h.Leave(id)
		}
	})
	wg.Wait()
	for i, r := range recs {
		assert.NoError(t, r.err, "receiver %d: %v", i, r.err)
		assert.Equal(t, (senders-1)*msgs, r.n, "receiver %d's messages", i)
	}
}

// TestHubLeaveDuringBroadcasts drops members while a broadcast loop runs,
// the way a model does after an overflow: Send fails at once, and the
// dropped connection's own goroutine later calls its session's Closed, which
// takes the hub's lock. Nothing may deadlock, and every dropped member must
// be gone in the end.
func TestHubLeaveDuringBroadcasts(t *testing.T) {
	h := NewHub(nil)
	talker := h.Join(netlabtest.NewConn())
	var wg sync.WaitGroup
	for range 4 {
		c := &netlabtest.Conn{Max: 64}
		id := h.Join(c)
		wg.Go(func() {
			<-c.Dropped()
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
	assert.Len(t, h.Who(), 1, "who after every slow member was dropped")
}
