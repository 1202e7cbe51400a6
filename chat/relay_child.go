package chat

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"

	"github.com/netlab-go/netlab/internal/frame"
)

// RelayHub is a [Hub] for a process that serves chat connections but does
// not hold the chat's state: it forwards every request over a stream (a
// socketpair in the multiprocess model) to [Service.ServeRelay] in the
// process that does, and hands the deliveries that come back to its own
// members.
//
// Join, Rename, Tell and Who wait for the hub's answer: one round trip over
// the stream. Leave and Say do not wait. Each member is known on the stream
// by a KEY the RelayHub picks, registered before the join is sent, so the
// hub's "* welcome NAME" finds its member before Join returns.
//
// If the stream breaks (the hub's process cut the link or is gone), every
// member that is also an [io.Closer] — a [netlab.Conn] is — is closed, since
// it can no longer chat; requests then do nothing and Who returns no names.
//
// A RelayHub is safe for use by many goroutines at once.
type RelayHub struct {
	rw    io.ReadWriteCloser
	w     *frame.Writer // frames never interleave
	calls *frame.Calls

	mu      sync.Mutex
	members map[uint64]Member // KEY → member; guarded by mu
	keys    map[ID]uint64     // the hub's ID → KEY; guarded by mu
	lastKey uint64            // guarded by mu
	lost    bool              // the link is gone; guarded by mu

	done chan struct{} // closed when the reader has returned
}

var _ Hub = (*RelayHub)(nil)

// NewRelayHub returns a hub that relays to [Service.ServeRelay] on the
// other end of rw, and starts the goroutine that reads rw. Close stops it.
func NewRelayHub(rw io.ReadWriteCloser) *RelayHub {
	w := frame.NewWriter(rw)
	h := &RelayHub{
		rw:      rw,
		w:       w,
		calls:   frame.NewCalls(w),
		members: make(map[uint64]Member),
		keys:    make(map[ID]uint64),
		done:    make(chan struct{}),
	}
	go h.read()
	return h
}

// Close closes the stream and waits for the reader to return. Requests made
// afterwards do nothing.
func (h *RelayHub) Close() error {
	err := h.rw.Close()
	<-h.done
	return err
}

// Join implements [Hub.Join].
func (h *RelayHub) Join(m Member) ID {
	h.mu.Lock()
	if h.lost {
		h.mu.Unlock()
		closeMember(m)
		return 0
	}
	h.lastKey++
	key := h.lastKey
	h.members[key] = m
	h.mu.Unlock()

	ans, ok := h.calls.Call(relayJoin, strconv.FormatUint(key, 10))
	id, err := strconv.ParseUint(ans, 10, 64)
	h.mu.Lock()
	defer h.mu.Unlock()
	if !ok || err != nil {
		delete(h.members, key)
		closeMember(m)
		return 0
	}
	h.keys[ID(id)] = key
	return ID(id)
}

// Leave implements [Hub.Leave].
func (h *RelayHub) Leave(id ID) {
	h.mu.Lock()
	key, ok := h.keys[id]
	delete(h.keys, id)
	delete(h.members, key)
	h.mu.Unlock()
	if ok {
		h.w.Write(frame.Frame{Verb: relayLeave, Num: uint64(id)})
	}
}

// Rename implements [Hub.Rename].
func (h *RelayHub) Rename(id ID, name string) error {
	if !ValidName(name) {
		// The caller checks names; an invalid one could not be framed.
		return fmt.Errorf("chat: relay: invalid name %q", name)
	}
	if ans, _ := h.calls.Call(relayRename, idString(id)+" "+name); ans == relayTaken {
		return ErrNameTaken
	}
	return nil
}

// Say implements [Hub.Say].
func (h *RelayHub) Say(id ID, text string) {
	f := frame.Frame{Verb: relaySay, Num: uint64(id), Text: text}
	if !f.Valid() {
		return // a session never passes an LF: lines are split on it
	}
	h.w.Write(f)
}

// Tell implements [Hub.Tell]. A name that is not a [ValidName] is nobody's,
// since the hub hands out and accepts valid names only: it is answered here,
// without a round trip (and without a space in a field that has none).
func (h *RelayHub) Tell(id ID, to, text string) error {
	if !ValidName(to) {
		return ErrNoSuchUser
	}
	if strings.Contains(text, "\n") {
		return nil
	}
	if ans, _ := h.calls.Call(relayTell, idString(id)+" "+to+" "+text); ans == relayNoUser {
		return ErrNoSuchUser
	}
	return nil
}

// Who implements [Hub.Who].
func (h *RelayHub) Who() []string {
	ans, ok := h.calls.Call(relayWho, "")
	if !ok || ans == "" {
		return nil
	}
	return strings.Split(ans, " ")
}

// read hands each delivery to its member and each answer to its caller,
// until the stream ends or breaks; then it fails every waiting call and
// closes every member. The hub's side is trusted to send well-formed lines
// of any length (a who of ten thousand names is long), so the reader has
// no limit.
//
// Deliveries are gathered per member while more frames are already read
// and waiting, and each member is sent its lines in one Send once there
// are none: a burst of the hub's fan-out costs a member's connection one
// queued item and one write instead of one per line. An answer hands on
// what is gathered first, since the hub queues the deliveries a request
// caused before its answer (Join's caller finds "* welcome NAME" already
// sent).
func (h *RelayHub) read() {
	defer close(h.done)
	r := frame.NewReader(h.rw, 0)
	var b batch
	for {
		f, err := r.Read()
		if err != nil {
			break
		}
		switch f.Verb {
		case relayDeliver:
			b.add(f.Num, f.Text)
		case frame.Answer:
			h.deliver(&b)
			h.calls.Answer(f.Num, f.Text)
		}
		if r.Buffered() == 0 {
			h.deliver(&b)
		}
	}
	h.deliver(&b)
	h.rw.Close()
	h.calls.Lost()
	h.mu.Lock()
	h.lost = true
	members := h.members
	h.members, h.keys = map[uint64]Member{}, map[ID]uint64{}
	h.mu.Unlock()
	for _, m := range members {
		closeMember(m)
	}
}

// deliver sends each member its gathered lines, and empties b.
func (h *RelayHub) deliver(b *batch) {
	if len(b.keys) == 0 {
		return
	}
	ms := make([]Member, len(b.keys))
	h.mu.Lock()
	for i, key := range b.keys {
		ms[i] = h.members[key]
	}
	h.mu.Unlock()
	for i, m := range ms {
		if m != nil {
			m.Send(b.lines[b.keys[i]])
		}
	}
	b.reset()
}

// batch is the lines read for each member and not yet sent, in the order
// the members first had one. The reader's alone.
type batch struct {
	keys  []uint64
	lines map[uint64][]byte // KEY → its lines, each with its LF
}

func (b *batch) add(key uint64, line string) {
	if b.lines == nil {
		b.lines = make(map[uint64][]byte)
	}
	p := b.lines[key]
	if len(p) == 0 { // a kept buffer is empty between bursts
		b.keys = append(b.keys, key)
	}
	b.lines[key] = append(append(p, line...), '\n')
}

// reset empties b, and keeps its buffers for the next burst: a member's
// Send copies what it is given.
func (b *batch) reset() {
	for _, key := range b.keys {
		b.lines[key] = b.lines[key][:0]
	}
	b.keys = b.keys[:0]
	if len(b.lines) > 1024 {
		clear(b.lines) // members come and go: keep no buffers for the gone
	}
}
