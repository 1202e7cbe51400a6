package chat

import (
	"errors"
	"log/slog"
	"slices"
	"strconv"
	"sync"
)

// ID identifies one member of a [Hub] for as long as it is joined. IDs are
// never reused, so a late message about a member that has left cannot reach
// a newcomer.
type ID uint64

// A Member is how a hub reaches one client: a queue of outgoing bytes. Send
// must queue a copy of p and return at once, without waiting for the client
// and without calling back into the hub. A [netlab.Conn] is a Member; so is a
// relay that forwards lines to the process holding the connection.
//
// A hub ignores the error Send returns. An error means the member's
// connection is gone or being dropped (its queue overflowed): its session
// will call [Hub.Leave] from its Closed method, and until then it just
// misses lines.
type Member interface {
	Send(p []byte) error
}

// Errors a [Hub] reports to the member that asked. The session turns them
// into the protocol's "! name taken NAME" and "! no such user NAME".
var (
	ErrNameTaken  = errors.New("chat: name taken")
	ErrNoSuchUser = errors.New("chat: no such user")
)

// A Hub is the state a chat shares between connections: who is online, under
// which name, and who receives which line. Sessions talk to it in messages,
// each naming the member it comes from by [ID] and the others by name; the
// hub answers with deliveries, complete protocol lines Sent to [Member]s.
//
// That narrow shape (six requests in, lines out, no callbacks into sessions)
// is what lets the state live in another process. The multiprocess model
// keeps the one real hub, a [LocalHub], in the parent, and gives each child
// process a relay Hub that speaks over the child's socketpair:
//
//   - Child to parent, one message per request: join KEY, leave ID,
//     rename ID NAME, say ID TEXT, tell ID TO TEXT, who, each tagged with a
//     request number. KEY is the child's own number for the connection; it
//     registers KEY → local [netlab.Conn] before it sends the join. Join,
//     Rename, Tell and Who wait for the answer with their tag (the parent's
//     ID, an error, the names); Leave and Say need none.
//   - Parent to child: deliveries, KEY LINE, and answers, TAG RESULT. In the
//     parent each remote connection is a Member whose Send frames the line
//     and queues it on that child's socketpair writer — queues, never
//     writes, with a bound like a Conn's, so a child that stops reading is
//     cut off instead of stalling the hub. The child's reader hands each
//     line to the local Conn of its KEY with Conn.Send, so the model's
//     per-connection bound and drop apply exactly as in one process.
//   - Order holds because the socketpair is one ordered stream and the
//     parent answers a request only after queueing the deliveries it caused:
//     "* welcome guest-N" reaches the connection before Join returns in the
//     child, as it does with a LocalHub.
//   - A dropped connection's session calls Leave as usual; if a child dies,
//     the parent sees its socketpair close and calls Leave for each of that
//     child's members, so the others see "* NAME left".
//
// Every line that follows from a change of the hub's state is delivered by
// the hub itself, before the request returns and in the same order for every
// receiver: "* welcome NAME" to a newcomer (so that it arrives before anyone
// else's message can), "* NAME joined", "* NAME left", "* OLD is now NEW",
// "* you are NEW", "NAME: TEXT" and "NAME (dm): TEXT". A request that
// changes nothing reports its outcome to the caller instead ([Hub.Who],
// an error), and the session answers its own client.
//
// A Hub is safe for use by many goroutines at once, and must be: every
// connection's session calls it from that connection's goroutine or event
// loop. It never blocks on a member, since Send only queues.
type Hub interface {
	// Join adds m under a fresh name "guest-N", delivers "* welcome NAME"
	// to m and "* NAME joined" to everyone else, and returns m's ID.
	Join(m Member) ID

	// Leave removes the member and delivers "* NAME left" to everyone
	// else. Leaving twice, or after the hub forgot the member, does nothing.
	Leave(id ID)

	// Rename gives the member a new name, which the caller has checked
	// with [ValidName], and delivers "* OLD is now NEW" to everyone else
	// and "* you are NEW" to the member. Renaming to one's own name only
	// delivers the latter. It returns [ErrNameTaken] if someone else has
	// the name.
	Rename(id ID, name string) error

	// Say delivers "NAME: TEXT" to every member but the sender.
	Say(id ID, text string)

	// Tell delivers "NAME (dm): TEXT" to the member called to, which may be
	// the sender itself. It returns [ErrNoSuchUser] if nobody has that name.
	Tell(id ID, to, text string) error

	// Who returns the names of everyone online, sorted by byte order.
	Who() []string
}

// LocalHub is the in-process [Hub]: two maps behind a read-write lock. It is
// what [New] uses unless told otherwise.
//
// Deliveries are Sent while the lock is held. That is safe because Send only
// queues: it never waits for a client and never calls back into a session,
// so it cannot need the lock itself (a member whose queue overflows is
// dropped by its model, which calls that session's Closed, and so Leave,
// later and from that connection's own goroutine or loop — never from inside
// Send). And it is what makes the order of lines the same for every
// receiver: a join, a rename or a leave holds the lock exclusively, so no
// message can overtake the announcement of it. Messages (Say, Tell) only
// need the lock shared, so several senders fan out at once; each sender's
// lines still reach every receiver in the order sent, because one session
// makes its requests one after another.
//
// The cost is that a broadcast to n members makes n Sends under the lock:
// copying the line into n queues (or straight into n sockets that have room)
// is cheap, but it is O(n) per message, and a join or leave waits for the
// broadcasts in progress.
type LocalHub struct {
	log *slog.Logger

	mu      sync.RWMutex
	members map[ID]*member // guarded by mu
	names   map[string]ID  // every member's name; guarded by mu
	lastID  ID             // guarded by mu
	guests  int            // the N of the last guest-N handed out; guarded by mu
}

type member struct {
	Member
	name string // written under mu held exclusively
}

var _ Hub = (*LocalHub)(nil)

// NewHub returns an empty in-process hub that logs joins, renames and leaves
// to logger at debug level (nil: no logging).
func NewHub(logger *slog.Logger) *LocalHub {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &LocalHub{
		log:     logger,
		members: make(map[ID]*member),
		names:   make(map[string]ID),
	}
}

// Join implements [Hub.Join]. A name someone took with /nick is skipped:
// if "guest-3" renamed itself "guest-4", the next newcomer is guest-5.
func (h *LocalHub) Join(m Member) ID {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.lastID++
	id := h.lastID
	var name string
	for {
		h.guests++
		name = "guest-" + strconv.Itoa(h.guests)
		if _, taken := h.names[name]; !taken {
			break
		}
	}
	mem := &member{Member: m, name: name}
	h.members[id], h.names[name] = mem, id
	mem.Send(line("* welcome ", name))
	h.sendOthersLocked(id, line("* ", name, " joined"))
	h.log.Debug("chat: joined", "name", name, "members", len(h.members))
	return id
}

// Leave implements [Hub.Leave].
func (h *LocalHub) Leave(id ID) {
	h.mu.Lock()
	defer h.mu.Unlock()
	mem, ok := h.members[id]
	if !ok {
		return
	}
	delete(h.members, id)
	delete(h.names, mem.name)
	h.sendOthersLocked(id, line("* ", mem.name, " left"))
	h.log.Debug("chat: left", "name", mem.name, "members", len(h.members))
}

// Rename implements [Hub.Rename].
func (h *LocalHub) Rename(id ID, name string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	mem, ok := h.members[id]
	if !ok {
		return nil // already gone: nobody is left to tell
	}
	if mem.name == name {
		mem.Send(line("* you are ", name))
		return nil
	}
	if _, taken := h.names[name]; taken {
		return ErrNameTaken
	}
	old := mem.name
	delete(h.names, old)
	mem.name, h.names[name] = name, id
	h.sendOthersLocked(id, line("* ", old, " is now ", name))
	mem.Send(line("* you are ", name))
	h.log.Debug("chat: renamed", "old", old, "new", name)
	return nil
}

// Say implements [Hub.Say].
func (h *LocalHub) Say(id ID, text string) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	if mem, ok := h.members[id]; ok {
		h.sendOthersLocked(id, line(mem.name, ": ", text))
	}
}

// Tell implements [Hub.Tell].
func (h *LocalHub) Tell(id ID, to, text string) error {
	h.mu.RLock()
	defer h.mu.RUnlock()
	from, ok := h.members[id]
	if !ok {
		return nil
	}
	toID, ok := h.names[to]
	if !ok {
		return ErrNoSuchUser
	}
	h.members[toID].Send(line(from.name, " (dm): ", text))
	return nil
}

// Who implements [Hub.Who].
func (h *LocalHub) Who() []string {
	h.mu.RLock()
	names := make([]string, 0, len(h.names))
	for name := range h.names {
		names = append(names, name)
	}
	h.mu.RUnlock()
	slices.Sort(names)
	return names
}

// sendOthersLocked queues p for every member but the one with id. One buffer
// serves them all, since Send copies. The caller holds mu, shared or not.
func (h *LocalHub) sendOthersLocked(id ID, p []byte) {
	for other, mem := range h.members {
		if other != id {
			mem.Send(p)
		}
	}
}

// line joins parts into one protocol line ending in LF.
func line(parts ...string) []byte {
	n := 1
	for _, s := range parts {
		n += len(s)
	}
	b := make([]byte, 0, n)
	for _, s := range parts {
		b = append(b, s...)
	}
	return append(b, '\n')
}
