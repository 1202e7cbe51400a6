package multiprocess

import (
	"bytes"
	"io"
	"log/slog"
	"net"
	"slices"
	"testing"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/internal/frame"
)

// The control protocol's fuzz targets. Their seed corpora are in
// testdata/fuzz; run one with
//
//	go test -run '^$' -fuzz FuzzControlParent -fuzztime 30s ./multiprocess/

// FuzzControlParent feeds the parent's half any stream from a child: it
// never panics, it answers only with the protocol's answers, and its
// counts stay true: a child cannot end more connections than it was
// granted, nor be granted more than the server-wide limit.
func FuzzControlParent(f *testing.F) {
	f.Fuzz(func(t *testing.T, stream []byte) {
		const maxConns = 3
		s := &Server{cfg: netlab.Config{MaxConns: maxConns}, log: slog.New(slog.DiscardHandler)}
		ch := &child{}
		r := frame.NewReader(bytes.NewReader(stream), controlMaxLine)
		for {
			fr, err := r.Read()
			if err != nil {
				return
			}
			ans, err := s.handleControl(ch, fr)
			if err != nil {
				return // the parent kills a child that says this
			}
			if !slices.Contains([]string{"", answerOK, answerBusy, answerAck}, ans) {
				t.Fatalf("%q answered %q", fr.String(), ans)
			}
			if ch.open < 0 || s.active != ch.open || s.active > maxConns {
				t.Fatalf("after %q: the child holds %d, the server counts %d active (limit %d)", fr.String(), ch.open, s.active, maxConns)
			}
			reply := frame.Frame{Verb: frame.Answer, Num: fr.Num, Text: ans}
			if back, err := frame.Parse(bytes.TrimSuffix(reply.Append(nil), []byte("\n"))); err != nil || back != reply {
				t.Fatalf("the answer %+v does not read back: %+v, %v", reply, back, err)
			}
		}
	})
}

// FuzzControlChild feeds the child's half any stream from the parent: it
// never panics, a call waiting gets an answer or learns that the parent is
// gone, and when the stream ends the child hears that it is lost.
func FuzzControlChild(f *testing.F) {
	f.Fuzz(func(t *testing.T, stream []byte) {
		parentEnd, childEnd := net.Pipe()
		defer childEnd.Close()
		c := newControl(childEnd)
		lost := make(chan struct{})
		c.onShutdown = func() {}
		// A real child exits when it loses the parent, which closes its
		// end; without that a pipe would hold the parent's write forever.
		c.onLost = func() { close(lost); childEnd.Close() }
		readDone := make(chan struct{})
		go func() { defer close(readDone); c.read() }()

		called := make(chan bool, 1)
		go func() { _, ok := c.mayOpen(); called <- ok }()
		if _, err := frame.NewReader(parentEnd, controlMaxLine).Read(); err != nil {
			t.Fatalf("the child's open request: %v", err)
		}
		drained := make(chan struct{})
		go func() { defer close(drained); io.Copy(io.Discard, parentEnd) }()
		parentEnd.Write(stream)
		parentEnd.Close()
		<-readDone
		<-lost
		<-called
		<-drained
		if _, ok := c.mayOpen(); ok {
			t.Fatal("a call after the parent was lost reports an answer")
		}
	})
}

// FuzzControlRoundTrip sends every request of the child's half through its
// writer and the parent's reader: what the parent reads is what was sent.
func FuzzControlRoundTrip(f *testing.F) {
	f.Add(uint64(1), uint8(0))
	f.Add(uint64(1<<64-1), uint8(3))
	f.Fuzz(func(t *testing.T, num uint64, which uint8) {
		verbs := []string{verbOpen, verbClose, verbPanic, verbDrop, verbShutdown, frame.Answer}
		sent := frame.Frame{Verb: verbs[int(which)%len(verbs)], Num: num}
		if sent.Verb == frame.Answer {
			sent.Text = []string{answerOK, answerBusy, answerAck}[int(num%3)]
		}
		var buf bytes.Buffer
		if err := frame.NewWriter(&buf).Write(sent); err != nil {
			t.Fatal(err)
		}
		got, err := frame.NewReader(&buf, controlMaxLine).Read()
		if err != nil || got != sent {
			t.Fatalf("sent %+v, read %+v (%v)", sent, got, err)
		}
	})
}
