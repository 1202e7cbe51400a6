package chat

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/netlab-go/netlab/netlabtest"
)

// The fuzz targets of the chat service. Each one that takes cuts feeds the
// same bytes twice, once whole and once cut into pieces whose lengths come
// from cuts, and requires the same outcome: a model may hand a session its
// input in any split, and the protocol must not notice.
//
//	go test -run '^$' -fuzz FuzzLineSplitter -fuzztime 30s ./chat/
//	go test -run '^$' -fuzz FuzzSession -fuzztime 30s ./chat/
//	go test -run '^$' -fuzz FuzzCommand -fuzztime 30s ./chat/

// fuzzMax is the line limit the fuzz targets use instead of MaxLine, so
// that the fuzzer reaches "line too long" with inputs of a few dozen bytes.
const fuzzMax = 16

// A splitResult is everything a lineSplitter said about one input.
type splitResult struct {
	lines []string // each line, or "!too long"
	rest  string
	ok    bool
}

func runSplitter(pieces [][]byte) splitResult {
	s := lineSplitter{max: fuzzMax}
	var r splitResult
	for _, p := range pieces {
		for line, err := range s.lines(p) {
			if err != nil {
				r.lines = append(r.lines, "!too long")
				continue
			}
			r.lines = append(r.lines, string(line))
		}
	}
	rest, ok := s.rest()
	r.rest, r.ok = string(rest), ok
	return r
}

func FuzzLineSplitter(f *testing.F) {
	f.Add([]byte("one\ntwo\r\nthree"), []byte{0})
	f.Add([]byte("exactly sixteen!\r\n"), []byte{3, 7})
	f.Add([]byte("seventeen bytes!!\nnext\n"), []byte{})
	f.Add([]byte("a\r\r\n\r\n\n"), []byte{1})
	f.Fuzz(func(t *testing.T, data, cuts []byte) {
		whole := runSplitter([][]byte{data})
		split := runSplitter(netlabtest.Cut(data, cuts))
		if !slices.Equal(whole.lines, split.lines) || whole.rest != split.rest || whole.ok != split.ok {
			t.Fatalf("whole: %+v, split: %+v", whole, split)
		}
		for _, l := range whole.lines {
			if strings.Contains(l, "\n") || len(l) > fuzzMax {
				t.Fatalf("line %q has an LF or is over %d bytes", l, fuzzMax)
			}
		}
	})
}

// converse runs one conversation: a listener joins, then a talker whose
// session is fed pieces and then the end of its input. It returns what
// each received and whether the talker's connection was closed.
func converse(pieces [][]byte) (talker, listener string, closed bool) {
	hub := NewHub(nil)
	l, c := netlabtest.NewConn(), netlabtest.NewConn()
	hub.Join(l)
	s := &session{c: c, hub: hub, split: lineSplitter{max: fuzzMax}}
	s.id = hub.Join(c)
	for _, p := range pieces {
		s.Data(p)
	}
	s.EOF()
	s.Closed(nil)
	return c.String(), l.String(), c.Closed()
}

func FuzzSession(f *testing.F) {
	f.Add([]byte("hi\n/nick ann\n/who\n%guest-1%psst\n/msg ann self\nbye"), []byte{2, 5})
	f.Add([]byte("/quit\nafter the quit\n"), []byte{})
	f.Add([]byte("a line well over sixteen bytes\n\x1b[2J\n\xc3\n"), []byte{9})
	f.Fuzz(func(t *testing.T, data, cuts []byte) {
		wt, wl, wc := converse([][]byte{data})
		st, sl, sc := converse(netlabtest.Cut(data, cuts))
		if wt != st || wl != sl || wc != sc {
			t.Fatalf("fed whole, the talker got %q, the listener %q, closed %v;\nfed in pieces, %q, %q, %v", wt, wl, wc, st, sl, sc)
		}
		if !wc {
			t.Fatalf("the talker's connection is open after the end of its input")
		}
		checkLines(t, "the listener", wl)
	})
}

// checkLines fails unless out is whole lines that a terminal can print
// safely: valid UTF-8 with no control character but TAB.
func checkLines(t *testing.T, who, out string) {
	t.Helper()
	if out != "" && !strings.HasSuffix(out, "\n") {
		t.Fatalf("%s got %q, which does not end in LF", who, out)
	}
	if !utf8.ValidString(out) {
		t.Fatalf("%s got invalid UTF-8: %q", who, out)
	}
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if hasControl([]byte(line)) {
			t.Fatalf("%s got a control character: %q", who, line)
		}
	}
}

// FuzzCommand feeds one line to the command parser and checks what comes of
// it: each reply is one of the protocol's kinds of line, nobody receives a
// control character, and a line holding one is refused and goes nowhere.
func FuzzCommand(f *testing.F) {
	for _, s := range []string{"hello", "/nick ann", "/nick", "/msg guest-1 x", "/msg  guest-2  hi",
		"%guest-1%x", "%%x", "%x", "/who now", "/NICK a", "/help", "/quit", "/", "a\tb", "\x1b[31m", "\xc2\x9b", "a\rb"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		if strings.Contains(line, "\n") {
			return // more than one line: FuzzSession's business
		}
		talker, listener, _ := converse([][]byte{[]byte(line + "\n")})
		talker = strings.TrimPrefix(talker, "* welcome guest-2\n")
		checkLines(t, "the talker", talker)
		checkLines(t, "the listener", listener)
		for _, reply := range strings.SplitAfter(talker, "\n") {
			if reply != "" && !strings.HasPrefix(reply, "* ") && !strings.HasPrefix(reply, "! ") && !strings.Contains(reply, " (dm): ") {
				t.Fatalf("%q got the reply %q, which is none of the protocol's kinds", line, reply)
			}
		}
		body := strings.TrimSuffix(line, "\r")
		if utf8.ValidString(body) && len(body) <= fuzzMax && hasControl([]byte(body)) {
			if talker != replyControl || listener != "* welcome guest-1\n* guest-2 joined\n* guest-2 left\n" {
				t.Fatalf("%q: the talker got %q and the listener %q, want %q and nothing but the join and leave",
					line, talker, listener, replyControl)
			}
		}
	})
}
