// Package netlabtest is a kit for testing what plugs into netlab, in the
// spirit of [net/http/httptest]: a recording [Conn] to drive a
// [netlab.Session] without a socket, a [Probe] service that reports what a
// model does to its sessions, [Start] to run any Service under any model on
// loopback for the length of a test ([Serving] for a server the test built
// itself, [Loopback] for one outside a test, as httptest.NewServer), [Main]
// and [StartProcess] for a test binary that is also run as a child process
// (its output kept by [Lines]; [StartHelper] and [ServeHelper] for a
// server measured in a process of its own), the bare yardsticks a
// benchmark holds a server to ([BareServer], [BareEcho], [BareFiles]),
// [BusyEcho] for a session that stays busy until told, [Missing] for a
// test whose program (a browser, tmux, nc) is not installed, wire helpers
// ([Dial], [Expect], [RoundTrip], [Receive], [WaitClosed]), a bounded [WaitFor],
// files helpers ([SHA256], [FileNames], [HiddenFiles]), and the golden
// transcripts every netlab model passes ([Golden], [RunTranscripts]), so
// that a Service or a model of your own can be held to the same protocol
// byte for byte. It trades generality for brevity: every wait is bounded by
// one generous [Timeout] and every failure stops the test, which suits
// tests and nothing else.
//
// Whoever writes a Service tests its protocol logic on a [Conn]:
//
//	c := netlabtest.NewConn()
//	s := echo.New().Open(c)
//	s.Data([]byte("hi\n"))
//	assert.Equal(t, "hi\n", c.Take())
//
// and its behaviour on the wire under a model:
//
//	addr, _ := netlabtest.Start(t, netlabtest.Infallible(perconn.New), echo.New(), netlab.Config{})
//	netlabtest.RoundTrip(t, netlabtest.Dial(t, addr), "hello\n")
//
// where [Infallible] makes a [NewServerFunc] of the model's constructor.
//
// Nothing here sleeps: every helper waits for an event — bytes arriving,
// a channel closing, a condition becoming true — and gives up after
// [Timeout]. Assertions are made with testify's require, so a helper that
// fails ends the test at once with the reason.
package netlabtest
