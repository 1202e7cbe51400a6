// Package iterative is the iterative model: the server accepts one client,
// serves it to the end, and only then accepts the next. It trades every bit of
// concurrency for simplicity: there is nothing to share, so nothing to lock —
// and a second client waits, connected but unanswered, in the kernel's listen
// backlog until the first one leaves (head-of-line blocking).
//
// This is Python's socketserver.TCPServer, or the textbook loop of
// accept/recv/send/close. netlab keeps it as the baseline the other models are
// measured against, and because seeing a second client hang is the quickest
// way to understand why the others exist.
package iterative
