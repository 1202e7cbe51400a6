package chat

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
)

// The relay protocol carries [Hub] requests from a process that serves
// connections to the process that holds the hub, and deliveries back, as the
// [Hub] documentation describes. Every message is one LF-terminated line of
// words separated by single spaces, so `strace -e read,write` shows a
// conversation a person can read:
//
//	child → parent                      parent → child
//	join TAG KEY                        deliver KEY LINE
//	leave ID                            answer TAG RESULT
//	rename TAG ID NAME
//	say ID TEXT
//	tell TAG ID TO TEXT
//	who TAG
//
// TEXT and LINE are the rest of the line: a chat line never holds an LF, and
// no other field holds a space (names are checked with [ValidName]). RESULT
// is the new member's ID for join; "ok", "taken" or "nouser" for rename and
// tell; the names, space-separated, for who.

// relayMaxLine bounds a request line the hub's side reads: a say of
// [MaxLine] bytes and its header fit with room to spare. A longer line means
// the other side is broken, and the link is cut.
const relayMaxLine = MaxLine + 256

// RelayMaxQueued bounds the deliveries queued for one link on the hub's side
// ([ServeRelay]). The other side hands each delivery to a connection's own
// bounded queue as soon as it reads it, so the link only fills up when that
// process has stopped reading altogether (it is stuck, or dying); then the
// link is cut rather than let one process make the hub buffer without end.
const RelayMaxQueued = 8 << 20

// errLinkLost is what a [RelayHub] request reports once its link is gone.
var errLinkLost = errors.New("chat: relay: link to the hub lost")

// RelayHub is a [Hub] for a process that serves chat connections but does
// not hold the chat's state: it forwards every request over a stream (a
// socketpair in the multiprocess model) to [ServeRelay] in the process that
// does, and hands the deliveries that come back to its own members.
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
	rw io.ReadWriteCloser

	wmu sync.Mutex // held while a request is written, so that lines never interleave

	mu      sync.Mutex
	members map[uint64]Member      // KEY → member; guarded by mu
	keys    map[ID]uint64          // the hub's ID → KEY; guarded by mu
	waiting map[uint64]chan string // TAG → where its answer goes; guarded by mu
	lastKey uint64                 // guarded by mu
	lastTag uint64                 // guarded by mu
	lost    bool                   // the link is gone; guarded by mu

	done chan struct{} // closed when the reader has returned
}

var _ Hub = (*RelayHub)(nil)

// NewRelayHub returns a hub that relays to [ServeRelay] on the other end of
// rw, and starts the goroutine that reads rw. Close stops it.
func NewRelayHub(rw io.ReadWriteCloser) *RelayHub {
	h := &RelayHub{
		rw:      rw,
		members: make(map[uint64]Member),
		keys:    make(map[ID]uint64),
		waiting: make(map[uint64]chan string),
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

	ans, ok := h.call("join", strconv.FormatUint(key, 10))
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
		h.send("leave " + strconv.FormatUint(uint64(id), 10) + "\n")
	}
}

// Rename implements [Hub.Rename].
func (h *RelayHub) Rename(id ID, name string) error {
	if !ValidName(name) {
		// The caller checks names; an invalid one could not be framed.
		return fmt.Errorf("chat: relay: invalid name %q", name)
	}
	if ans, _ := h.call("rename", idString(id)+" "+name); ans == "taken" {
		return ErrNameTaken
	}
	return nil
}

// Say implements [Hub.Say].
func (h *RelayHub) Say(id ID, text string) {
	if strings.Contains(text, "\n") {
		return // a session never passes one: lines are split on LF
	}
	h.send("say " + idString(id) + " " + text + "\n")
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
	if ans, _ := h.call("tell", idString(id)+" "+to+" "+text); ans == "nouser" {
		return ErrNoSuchUser
	}
	return nil
}

// Who implements [Hub.Who].
func (h *RelayHub) Who() []string {
	ans, ok := h.call("who", "")
	if !ok || ans == "" {
		return nil
	}
	return strings.Split(ans, " ")
}

// call sends "VERB TAG ARGS" and waits for the answer with that tag. It
// reports false if the link was lost first.
func (h *RelayHub) call(verb, args string) (string, bool) {
	h.mu.Lock()
	if h.lost {
		h.mu.Unlock()
		return "", false
	}
	h.lastTag++
	tag := h.lastTag
	ch := make(chan string, 1)
	h.waiting[tag] = ch
	h.mu.Unlock()

	msg := verb + " " + strconv.FormatUint(tag, 10)
	if args != "" {
		msg += " " + args
	}
	h.send(msg + "\n")
	ans, ok := <-ch // closed, not sent to, when the link is lost
	return ans, ok
}

// send writes one request line. A write error means the link is broken;
// the reader sees it too and cleans up, so it needs no handling here.
func (h *RelayHub) send(msg string) {
	h.wmu.Lock()
	defer h.wmu.Unlock()
	io.WriteString(h.rw, msg)
}

// read hands each delivery to its member and each answer to its caller,
// until the stream ends; then it fails every waiting call and closes every
// member. The hub's side is trusted to send well-formed lines of any
// length (a who of ten thousand names is long).
func (h *RelayHub) read() {
	defer close(h.done)
	r := bufio.NewReader(h.rw)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			break
		}
		verb, rest, _ := strings.Cut(line[:len(line)-1], " ")
		num, rest, _ := strings.Cut(rest, " ")
		n, err := strconv.ParseUint(num, 10, 64)
		if err != nil {
			break
		}
		switch verb {
		case "deliver":
			h.mu.Lock()
			m := h.members[n]
			h.mu.Unlock()
			if m != nil {
				m.Send([]byte(rest + "\n"))
			}
		case "answer":
			h.mu.Lock()
			ch := h.waiting[n]
			delete(h.waiting, n)
			h.mu.Unlock()
			if ch != nil {
				ch <- rest
			}
		}
	}
	h.rw.Close()
	h.mu.Lock()
	h.lost = true
	for tag, ch := range h.waiting {
		close(ch)
		delete(h.waiting, tag)
	}
	members := h.members
	h.members, h.keys = map[uint64]Member{}, map[ID]uint64{}
	h.mu.Unlock()
	for _, m := range members {
		closeMember(m)
	}
}

// closeMember closes m if it can be closed: a member whose hub is out of
// reach can no longer chat.
func closeMember(m Member) {
	if c, ok := m.(io.Closer); ok {
		c.Close()
	}
}

func idString(id ID) string { return strconv.FormatUint(uint64(id), 10) }

// ServeRelay serves the [RelayHub] on the other end of rw against hub, until
// rw ends or breaks, and then makes every member that joined over rw leave
// hub, so that the others see "* NAME left" even when the process that held
// those connections died without a word. It takes ownership of rw and closes
// it. It returns nil when the other side closed the stream, and the reason
// otherwise.
//
// Requests are handled one at a time, in the order they arrive, which keeps
// each sender's lines in order. A handler never waits on the network:
// deliveries to the other side's members are queued for a writer goroutine,
// at most [RelayMaxQueued] bytes of them, and an answer is queued behind
// the deliveries its request caused. A request about an ID that did not
// join over rw is ignored: one process cannot speak for another's clients.
func ServeRelay(hub Hub, rw io.ReadWriteCloser) error {
	l := &relayLink{rw: rw}
	l.cond.L = &l.mu
	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		l.write()
	}()
	err := l.serve(hub)
	l.cut()
	<-writerDone
	for id := range l.ids {
		hub.Leave(id)
	}
	return err
}

// Method form, for the multiprocess model: a chat [Service] in the parent
// process serves each child's relay against its own hub.

// ServeRelay serves one [RelayHub] over rw against the service's hub: see
// the function [ServeRelay].
func (s *Service) ServeRelay(rw io.ReadWriteCloser) error { return ServeRelay(s.hub, rw) }

// relayLink is the hub's side of one relay stream.
type relayLink struct {
	rw  io.ReadWriteCloser
	ids map[ID]struct{} // members joined over this link; the reader's alone

	mu     sync.Mutex
	cond   sync.Cond // signalled when out grows or closed is set; L is &mu
	out    []byte    // framed lines not yet written; guarded by mu
	closed bool      // guarded by mu
}

// serve reads and handles requests until the stream ends.
func (l *relayLink) serve(hub Hub) error {
	l.ids = make(map[ID]struct{})
	r := bufio.NewReaderSize(l.rw, relayMaxLine)
	for {
		line, err := r.ReadSlice('\n')
		switch {
		case errors.Is(err, io.EOF) && len(line) == 0:
			return nil
		case errors.Is(err, bufio.ErrBufferFull):
			return errors.New("chat: relay: request line too long")
		case err != nil:
			if l.isClosed() {
				return nil // we cut the link ourselves: its queue overflowed
			}
			return fmt.Errorf("chat: relay: read: %w", err)
		}
		if err := l.handle(hub, string(line[:len(line)-1])); err != nil {
			return err
		}
	}
}

// handle runs one request.
func (l *relayLink) handle(hub Hub, req string) error {
	verb, rest, _ := strings.Cut(req, " ")
	field := func() uint64 {
		var f string
		f, rest, _ = strings.Cut(rest, " ")
		n, _ := strconv.ParseUint(f, 10, 64)
		return n
	}
	switch verb {
	case "join":
		tag, key := field(), field()
		id := hub.Join(&relayMember{l: l, key: strconv.FormatUint(key, 10)})
		l.ids[id] = struct{}{}
		l.answer(tag, idString(id))
	case "leave":
		if id := ID(field()); l.owns(id) {
			delete(l.ids, id)
			hub.Leave(id)
		}
	case "rename":
		tag, id := field(), ID(field())
		ans := "ok"
		if l.owns(id) && ValidName(rest) && errors.Is(hub.Rename(id, rest), ErrNameTaken) {
			ans = "taken"
		}
		l.answer(tag, ans)
	case "say":
		if id := ID(field()); l.owns(id) {
			hub.Say(id, rest)
		}
	case "tell":
		tag, id := field(), ID(field())
		to, text, _ := strings.Cut(rest, " ")
		ans := "ok"
		if l.owns(id) && errors.Is(hub.Tell(id, to, text), ErrNoSuchUser) {
			ans = "nouser"
		}
		l.answer(tag, ans)
	case "who":
		l.answer(field(), strings.Join(hub.Who(), " "))
	default:
		return fmt.Errorf("chat: relay: unknown request %q", verb)
	}
	return nil
}

func (l *relayLink) owns(id ID) bool {
	_, ok := l.ids[id]
	return ok
}

func (l *relayLink) answer(tag uint64, result string) {
	l.enqueue("answer " + strconv.FormatUint(tag, 10) + " " + result + "\n")
}

// enqueue queues one framed line for the writer. Past [RelayMaxQueued] the
// link is cut: the reader then sees the stream end and the link's members
// leave.
func (l *relayLink) enqueue(msg string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return errLinkLost
	}
	if len(l.out)+len(msg) > RelayMaxQueued {
		l.cutLocked()
		return errLinkLost
	}
	l.out = append(l.out, msg...)
	l.cond.Signal()
	return nil
}

// write drains the queue into the stream, everything queued at once in one
// write, until the link is cut.
func (l *relayLink) write() {
	var buf []byte
	for {
		l.mu.Lock()
		for len(l.out) == 0 && !l.closed {
			l.cond.Wait()
		}
		if l.closed {
			l.mu.Unlock()
			return
		}
		buf, l.out = l.out, buf[:0]
		l.mu.Unlock()
		if _, err := l.rw.Write(buf); err != nil {
			l.cut()
			return
		}
	}
}

func (l *relayLink) isClosed() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.closed
}

func (l *relayLink) cut() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.cutLocked()
}

// cutLocked closes the stream, which also wakes a reader blocked on it.
func (l *relayLink) cutLocked() {
	if !l.closed {
		l.closed = true
		l.rw.Close()
		l.cond.Broadcast()
	}
}

// relayMember is a member joined over a relay link: Send frames each line
// with the member's KEY and queues it. It never writes, so the hub may call
// it under its lock.
type relayMember struct {
	l   *relayLink
	key string
}

// Send implements [Member]. A hub delivers complete lines; should p hold
// several, each is framed on its own.
func (m *relayMember) Send(p []byte) error {
	var msg strings.Builder
	for line := range strings.Lines(string(p)) {
		msg.WriteString("deliver ")
		msg.WriteString(m.key)
		msg.WriteByte(' ')
		msg.WriteString(strings.TrimSuffix(line, "\n"))
		msg.WriteByte('\n')
	}
	return m.l.enqueue(msg.String())
}
