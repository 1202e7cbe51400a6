// Package frame is the line framing and the tagged calls that netlab's two
// inter-process protocols share: the multiprocess model's control socketpair
// and chat's relay between a child's RelayHub and the parent's hub. It trades
// compactness for legibility: every frame is one short line of text, so
// `strace -f -e trace=read,write` shows a conversation a person can read, at
// the cost of a few bytes and a decimal conversion per message.
//
// # The frame
//
// A frame is one LF-terminated line of up to three fields:
//
//	VERB SP NUM [SP TEXT] LF
//
// VERB is 1 to 16 lower-case ASCII letters; NUM a decimal number in
// canonical form (no sign, no leading zero), a tag, an ID or a count by
// verb; TEXT the rest of the line, any bytes but LF, present only when it
// is not empty. Every frame has a NUM, 0 where its verb needs none, so
// that one parser reads every message of both protocols. The encoding is
// canonical: a line that [Parse] accepts is exactly what [Frame.Append]
// writes for the frame it returns.
//
// # Tagged calls
//
// A side that needs an answer sends a frame whose NUM is a fresh tag, and
// the other side answers with the frame "answer TAG RESULT" ([Answer]).
// [Calls] hands out the tags and routes each answer to the call that waits
// for it, so that many goroutines may call at once over one stream.
// Answers may come back in any order; each side decides how it orders its
// own work.
package frame
