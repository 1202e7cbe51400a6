package chat

import (
	"errors"
	"io"
	"strconv"
)

// The relay protocol carries [Hub] requests from a process that serves
// connections (a multiprocess child, with its [RelayHub]) to the process
// that holds the hub (the parent, in [Service.ServeRelay]), and deliveries
// back. Every message is one frame of the package internal/frame, a line
// "VERB NUM [TEXT]", so `strace -e read,write` shows a conversation a
// person can read:
//
//	child → hub                 NUM   TEXT             answered by
//	join TAG KEY                TAG   KEY              answer TAG ID
//	leave ID                    ID    —                —
//	rename TAG ID NAME          TAG   ID NAME          answer TAG ok|taken
//	say ID TEXT                 ID    TEXT             —
//	tell TAG ID TO TEXT         TAG   ID TO TEXT       answer TAG ok|nouser
//	who TAG                     TAG   —                answer TAG NAME NAME …
//
//	hub → child
//	deliver KEY LINE            KEY   LINE             (a line for the member KEY)
//	answer TAG RESULT           TAG   RESULT           (the result of call TAG)
//
// TEXT and LINE are the rest of the line: a chat line never holds an LF, and
// no other field holds a space (names are checked with [ValidName]). KEY is
// the child's own number for a member, ID the hub's.

// The verbs of the relay protocol.
const (
	relayJoin    = "join"
	relayLeave   = "leave"
	relayRename  = "rename"
	relaySay     = "say"
	relayTell    = "tell"
	relayWho     = "who"
	relayDeliver = "deliver"
)

// The results of the relay's calls, but join's and who's.
const (
	relayOK     = "ok"
	relayTaken  = "taken"
	relayNoUser = "nouser"
)

// relayMaxLine bounds a request line the hub's side reads: a say of
// [MaxLine] bytes and its header fit with room to spare. A longer line means
// the other side is broken, and the link is cut.
const relayMaxLine = MaxLine + 256

// relayMaxQueued bounds the deliveries queued for one link on the hub's
// side. The other side hands each delivery to a connection's own bounded
// queue as soon as it reads it, so the link only fills up when that process
// has stopped reading altogether (it is stuck, or dying); then the link is
// cut rather than let one process make the hub buffer without end.
const relayMaxQueued = 8 << 20

// errLinkLost is what a relay request reports once its link is gone.
var errLinkLost = errors.New("chat: relay: link to the hub lost")

// closeMember closes m if it can be closed: a member whose hub is out of
// reach can no longer chat.
func closeMember(m Member) {
	if c, ok := m.(io.Closer); ok {
		c.Close()
	}
}

func idString(id ID) string { return strconv.FormatUint(uint64(id), 10) }
