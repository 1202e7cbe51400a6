// Package chat is netlab's chat service and its client: a room where every
// line a client sends reaches every other client, with names, direct messages
// and a few commands, as docs/protocols.md specifies byte for byte. It trades a
// single shared hub (one lock, one place that knows everyone, work in
// proportion to the room for every message) for simplicity and a consistent
// order: every client sees a join, a rename or a leave at the same point
// among everyone's messages, and each sender's messages in the order they
// were sent. (Two senders talking at the same instant may reach two
// receivers interleaved differently; the protocol promises the order per
// sender, and so does the hub.)
//
// The service is sans-I/O like every netlab service. A session is fed bytes
// by whatever model runs it, cuts them into lines (any chunking works, one
// byte at a time included), and turns each line into a request to the [Hub]:
// join, leave, rename, say, tell, who. The hub answers with deliveries:
// complete lines queued on each receiver's [netlab.Conn]. Queuing is the whole
// trick. A broadcast never waits for a receiver's socket, so a client that
// stops reading cannot slow anyone down; its queue grows to the model's
// bound ([netlab.Config.MaxPending], 1 MiB by default) and then that client
// alone is dropped, and the others see "* NAME left".
//
// Serve a chat room on the goroutine-per-connection model:
//
//	srv := perconn.New(chat.New(chat.Options{}), netlab.Config{})
//	go srv.Serve(l)
//
// and join it:
//
//	c, err := chat.Dial(ctx, "127.0.0.1:7008")
//	c.Nick("ann")
//	c.Say("hello")
//	for line := range c.Lines() {
//		fmt.Println(line) // "* welcome guest-1", "* you are ann", "bob: hi", …
//	}
//
// The hub is an interface so that its state can live elsewhere: the
// multiprocess model keeps it in the parent process and relays requests and
// deliveries over a socketpair (the [Hub] documentation says how). [LocalHub]
// is the in-process one.
//
// Details docs/protocols.md settles, and a few it leaves to the service:
//
//   - A line holding a control character other than TAB (C0, a CR inside
//     the line included, DEL, or C1) is discarded with "! control
//     character", commands included: a chat relays one client's bytes to
//     every other client's terminal, and ESC or CSI would let it clear
//     their screens or retitle their windows.
//   - "/nick" without a name, "/msg" without a name or text, and "%NAME%"
//     or "%%x" with an empty name or text get a usage line ("! usage:
//     /nick NAME", "! usage: /msg NAME TEXT", "! usage: %NAME%TEXT");
//     nothing is sent.
//   - A direct message to yourself is delivered to you, like any other.
//   - "/nick" to your current name answers "* you are NAME" and tells nobody.
//   - "/" alone is "! unknown command /"; commands are case-sensitive, words
//     after /who and arguments a command does not take are ignored
//     ("/quit now" quits), and runs of spaces between a command's words
//     count as one.
//   - A line of spaces is a message, not an empty line.
//   - A line too long is answered the moment it passes 4096 bytes, once,
//     while the rest of it is still being discarded.
//   - A client that closes or half-closes leaves (the others see "* NAME
//     left"); a last line without LF before it is handled as a line.
//     Anything after /quit is ignored, and "* bye" is queued before the
//     close.
//   - Names are case-sensitive; guest-N names skip any taken with /nick.
package chat
