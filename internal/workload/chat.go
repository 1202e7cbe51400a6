package workload

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// chatText is the default size of a chat message's text: a short chat line.
const chatText = 64

// chatRun is one chat [Load]: the room's members and what they share.
type chatRun struct {
	epoch   time.Time // message timestamps count from here, on the monotonic clock
	size    int       // bytes of text in a message
	limit   int64     // messages each member sends in the window (math.MaxInt64: until it ends)
	members []*chatMember
	names   map[string]bool // the members' names; read-only once the run starts

	cancel   context.CancelFunc // stops the run: no member sends again, and the drain gives up
	closing  atomic.Bool        // the run is over: errors are expected, not failures
	mu       sync.Mutex
	firstErr error // guarded by mu
}

// chatMember is one client of the run: a reader on a goroutine of its own,
// whose messages are sent by start and then, each in turn, by the receiver
// that completes the last one.
type chatMember struct {
	i    int
	conn net.Conn
	r    *bufio.Reader
	name string

	// ready gets a token once the member is done: it has sent its limit,
	// or the run is over, and its last message has reached everyone; drain
	// waits for it. left counts the receivers the message in flight has
	// still to reach.
	ready chan struct{}
	left  atomic.Int32
	// inFlight is the number of the message in flight, which receivers
	// check: each message must arrive once, at each receiver, in turn.
	inFlight atomic.Int64
	sent     int64         // messages sent; written by whoever sends (see send)
	sentAt   time.Duration // when the last was sent, since the epoch; as sent

	rec Recorder // deliveries to this member; its reader's alone
}

// joinChat connects client i and waits for its welcome, which the hub
// sends once the client is a member: from then on it receives every
// broadcast.
func joinChat(ctx context.Context, addr string, i int) (*chatMember, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	// Until the member is in the run, ending ctx closes it here; from then
	// on the run closes every member at once.
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	m := &chatMember{i: i, conn: conn, r: bufio.NewReaderSize(conn, 16<<10), ready: make(chan struct{}, 1)}
	line, err := m.r.ReadString('\n')
	name, ok := strings.CutPrefix(strings.TrimSuffix(line, "\n"), "* welcome ")
	if err != nil || !ok {
		conn.Close()
		if ctx.Err() != nil {
			return nil, fmt.Errorf("no welcome before the run was stopped (a serial model serves one client at a time): %w", context.Cause(ctx))
		}
		return nil, fmt.Errorf("got %q (%v), want a welcome", line, err)
	}
	m.name = name
	return m, nil
}

// start sends every member's first message, of r.limit each. From then on
// the receiver that completes a member's message sends its next one at
// once, from its own goroutine, as a single-threaded event-loop client
// would: handing the turn to a sender goroutine would put a goroutine
// wake-up, and on an idle machine a thread's, into every round of a room
// of two.
func (r *chatRun) start(ctx context.Context) {
	for _, m := range r.members {
		if err := r.send(m); err != nil {
			r.fail(ctx, fmt.Errorf("%s sends: %w", m.name, err))
			return
		}
	}
}

// next sends m's next message, once its last one has reached everyone, or
// marks m idle for drain if it has sent its limit or the run is over.
func (r *chatRun) next(ctx context.Context, m *chatMember) {
	if ctx.Err() != nil || m.sent >= r.limit {
		m.ready <- struct{}{}
		return
	}
	if err := r.send(m); err != nil {
		r.fail(ctx, fmt.Errorf("%s sends: %w", m.name, err))
	}
}

// send sends m's next message: the sender's index, the message number and
// the time since the epoch, padded to the run's size. One message is in
// flight per member, so one goroutine at a time sends for m, and the
// atomics a receiver checks order its fields between them.
func (r *chatRun) send(m *chatMember) error {
	seq := m.sent
	m.sent++
	m.inFlight.Store(seq)
	m.left.Store(int32(len(r.members) - 1))
	// A buffer of its own: the receiver that completes this message can
	// send the next one before this Write has returned.
	b := make([]byte, 0, r.size+1)
	b = strconv.AppendInt(b, int64(m.i), 10)
	b = append(b, ' ')
	b = strconv.AppendInt(b, seq, 10)
	b = append(b, ' ')
	m.sentAt = time.Since(r.epoch)
	b = strconv.AppendInt(b, int64(m.sentAt), 10)
	b = append(b, ' ')
	for len(b) < r.size {
		b = append(b, 'x')
	}
	b = append(b, '\n')
	_, err := m.conn.Write(b)
	return err
}

// receive reads m's lines until its connection closes, recording each
// delivery and completing messages that have reached everyone. It is the
// load generator's hot path (in a room of 50 it runs 49 times per message
// sent), so it parses in place, allocates nothing per delivery, and reads
// the clock once per read from the socket: the lines one read returns
// arrived together.
func (r *chatRun) receive(ctx context.Context, m *chatMember) {
	var now time.Duration
	for {
		buffered := m.r.Buffered()
		if buffered == 0 {
			m.rec.flush() // the deliveries one read returned are all recorded
		}
		line, err := m.r.ReadSlice('\n')
		if err != nil {
			r.fail(ctx, fmt.Errorf("%s receives: %w", m.name, err))
			return
		}
		if len(line) > buffered || now == 0 {
			now = time.Since(r.epoch) // ReadSlice had to read the socket
		}
		text := line[:len(line)-1]
		switch {
		case bytes.HasPrefix(text, []byte("* ")):
			// Someone joined or left. Another client of the room (a test's
			// stalled reader, say) may come and go; one of ours may not.
			if name, ok := bytes.CutSuffix(text[2:], []byte(" left")); ok && r.names[string(name)] {
				r.fail(ctx, fmt.Errorf("%s was dropped by the server (it fell behind?)", name))
				return
			}
			continue
		case bytes.HasPrefix(text, []byte("! ")):
			r.fail(ctx, fmt.Errorf("%s: the server says %q", m.name, text))
			return
		}
		from, seq, sent, ok := parseChatMessage(text)
		if !ok || from < 0 || from >= len(r.members) || seq != r.members[from].inFlight.Load() {
			r.fail(ctx, fmt.Errorf("%s got %.80q, not the message in flight from a client of this run", m.name, text))
			return
		}
		m.rec.observeBatch(now-sent, int64(r.size))
		if sender := r.members[from]; sender.left.Add(-1) == 0 {
			r.next(ctx, sender)
		}
	}
}

// parseChatMessage reads "NAME: I SEQ NANOS xxx…" in place.
func parseChatMessage(line []byte) (from int, seq int64, sent time.Duration, ok bool) {
	_, text, ok := bytes.Cut(line, []byte(": "))
	if !ok {
		return 0, 0, 0, false
	}
	var f [3]int64
	for k := range f {
		n := 0
		for n < len(text) && text[n] >= '0' && text[n] <= '9' && n < 18 {
			f[k] = f[k]*10 + int64(text[n]-'0')
			n++
		}
		if n == 0 || n == len(text) || text[n] != ' ' {
			return 0, 0, 0, false
		}
		text = text[n+1:]
	}
	return int(f[0]), f[1], time.Duration(f[2]), true
}

// drain waits until every message sent has reached every receiver, which
// is when every member is done (ready), or until ctx ends.
func (r *chatRun) drain(ctx context.Context) {
	for _, m := range r.members {
		select {
		case <-m.ready:
		case <-ctx.Done():
			return
		}
	}
}

// fail stops the run and records why, unless it was stopped already: then
// everything fails, and none of it is news. Once the run is closing, the
// members' own goodbyes ("* guest-2 left" reaching guest-3 before guest-3
// is closed, a read on a closed connection) are no failure at all.
func (r *chatRun) fail(ctx context.Context, err error) {
	if r.closing.Load() {
		return
	}
	r.mu.Lock()
	if r.firstErr == nil && ctx.Err() == nil {
		r.firstErr = fmt.Errorf("workload: chat: %w", err)
	}
	r.mu.Unlock()
	r.cancel()
}

func (r *chatRun) err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.firstErr
}

// closeAll closes every member's connection; closing twice is harmless.
func (r *chatRun) closeAll() {
	for _, m := range r.members {
		if m != nil {
			m.conn.Close()
		}
	}
}
