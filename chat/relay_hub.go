package chat

import (
	"errors"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"
	"sync"

	"github.com/netlab-go/netlab/internal/frame"
)

// ServeRelay serves the [RelayHub] on the other end of rw against the
// service's hub, until rw ends or breaks, and then makes every member that
// joined over rw leave the hub, so that the others see "* NAME left" even
// when the process that held those connections died without a word. It
// takes ownership of rw and closes it. It returns nil when the other side
// closed the stream, and the reason otherwise. The multiprocess model calls
// it in the parent, on a goroutine of its own for each child.
//
// Requests are handled one at a time, in the order they arrive, which keeps
// each sender's lines in order. A handler never waits on the network:
// deliveries to the other side's members are queued for a writer goroutine,
// at most 8 MiB of them (past that the link is cut: that process has
// stopped reading), and an answer is queued behind the deliveries its
// request caused. A request about an ID that did not join over rw is
// ignored: one process cannot speak for another's clients.
func (s *Service) ServeRelay(rw io.ReadWriteCloser) error { return serveRelay(s.hub, rw) }

func serveRelay(hub Hub, rw io.ReadWriteCloser) error {
	l := &relayLink{rw: rw, ids: make(map[ID]struct{})}
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
	r := frame.NewReader(l.rw, relayMaxLine)
	for {
		f, err := r.Read()
		switch {
		case errors.Is(err, io.EOF):
			return nil
		case err != nil && l.isClosed():
			return nil // we cut the link ourselves: its queue overflowed
		case err != nil:
			return fmt.Errorf("chat: relay: read a request: %w", err)
		}
		if err := l.handle(hub, f); err != nil {
			return err
		}
	}
}

// handle runs one request.
func (l *relayLink) handle(hub Hub, f frame.Frame) error {
	switch f.Verb {
	case relayJoin:
		key, err := strconv.ParseUint(f.Text, 10, 64)
		if err != nil {
			return fmt.Errorf("chat: relay: join %q: the KEY is not a number", f.Text)
		}
		id := hub.Join(&relayMember{l: l, key: key})
		l.ids[id] = struct{}{}
		l.answer(f.Num, idString(id))
	case relayLeave:
		if id := ID(f.Num); l.owns(id) {
			delete(l.ids, id)
			hub.Leave(id)
		}
	case relayRename:
		id, name := idField(f.Text)
		ans := relayOK
		if l.owns(id) && ValidName(name) && errors.Is(hub.Rename(id, name), ErrNameTaken) {
			ans = relayTaken
		}
		l.answer(f.Num, ans)
	case relaySay:
		if id := ID(f.Num); l.owns(id) {
			hub.Say(id, f.Text)
		}
	case relayTell:
		id, rest := idField(f.Text)
		to, text, _ := strings.Cut(rest, " ")
		ans := relayOK
		if l.owns(id) && errors.Is(hub.Tell(id, to, text), ErrNoSuchUser) {
			ans = relayNoUser
		}
		l.answer(f.Num, ans)
	case relayWho:
		l.answer(f.Num, strings.Join(hub.Who(), " "))
	default:
		return fmt.Errorf("chat: relay: unknown request %q", f.Verb)
	}
	return nil
}

// idField splits "ID REST"; an ID that is not a number is 0, which is
// nobody's.
func idField(s string) (ID, string) {
	f, rest, _ := strings.Cut(s, " ")
	n, _ := strconv.ParseUint(f, 10, 64)
	return ID(n), rest
}

func (l *relayLink) owns(id ID) bool {
	_, ok := l.ids[id]
	return ok
}

func (l *relayLink) answer(tag uint64, result string) {
	l.enqueue(func(b []byte) []byte {
		return frame.Frame{Verb: frame.Answer, Num: tag, Text: result}.Append(b)
	})
}

// enqueue appends frames to the writer's queue with add. Past
// relayMaxQueued the link is cut: the reader then sees the stream end and
// the link's members leave.
func (l *relayLink) enqueue(add func([]byte) []byte) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return errLinkLost
	}
	l.out = add(l.out)
	if len(l.out) > relayMaxQueued {
		l.cutLocked()
		return errLinkLost
	}
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
		// Let the hub's other work run before taking the queue: a say
		// being fanned out by another link's reader adds its line to this
		// one's, and the child then reads both with one wake-up.
		l.mu.Unlock()
		runtime.Gosched()
		l.mu.Lock()
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
	key uint64
}

// Send implements [Member]. A hub delivers complete lines; should p hold
// several, each is framed on its own.
func (m *relayMember) Send(p []byte) error {
	return m.l.enqueue(func(b []byte) []byte {
		for line := range strings.Lines(string(p)) {
			b = frame.Frame{Verb: relayDeliver, Num: m.key, Text: strings.TrimSuffix(line, "\n")}.Append(b)
		}
		return b
	})
}
