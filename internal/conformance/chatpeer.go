package conformance

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/netlab-go/netlab/netlabtest"
)

// chatPeer is a raw TCP chat client for the harness: it writes bytes and
// reads lines, and knows nothing of the protocol but its name.
type chatPeer struct {
	c    *net.TCPConn
	r    *bufio.Reader
	name string // from its welcome
}

// joinThree connects guest-1, guest-2 and guest-3, in that order, and
// reads the join notices each hears of those after it, so that what they
// read next is what the test says.
func joinThree(t testing.TB, addr string) (a, b, c *chatPeer) {
	t.Helper()
	a, b, c = joinChat(t, addr), joinChat(t, addr), joinChat(t, addr)
	a.expect(t, "* guest-2 joined", "* guest-3 joined")
	b.expect(t, "* guest-3 joined")
	return a, b, c
}

// joinChat connects to the chat server at addr and reads the welcome.
func joinChat(t testing.TB, addr string) *chatPeer {
	t.Helper()
	p := &chatPeer{c: Dial(t, addr)}
	p.r = bufio.NewReader(p.c)
	line, err := p.readLine()
	name, ok := strings.CutPrefix(line, "* welcome ")
	if err != nil || !ok {
		t.Fatalf("got %q (%v), want a welcome", line, err)
	}
	p.name = name
	return p
}

// write sends raw bytes.
func (p *chatPeer) write(t testing.TB, s string) {
	t.Helper()
	if _, err := p.c.Write([]byte(s)); err != nil {
		t.Fatalf("%s sends %q: %v", p.name, s, err)
	}
}

// send sends one line, adding its LF.
func (p *chatPeer) send(t testing.TB, line string) {
	t.Helper()
	p.write(t, line+"\n")
}

// expect reads one line for each of want (given without LF) and fails the
// test unless they are exactly those, in order.
func (p *chatPeer) expect(t testing.TB, want ...string) {
	t.Helper()
	for _, w := range want {
		got, err := p.readLine()
		if err != nil || got != w {
			t.Fatalf("%s got %q (%v), want %q", p.name, got, err, w)
		}
	}
}

// joinWithWitness joins a client, guest-1, and a second one, guest-2, to
// hear what the first says, announced to the first. A serial model would
// not serve the second until the first left, so for one b is nil.
func joinWithWitness(t testing.TB, m Model, addr string) (a, b *chatPeer) {
	t.Helper()
	a = joinChat(t, addr)
	if !m.Serial {
		b = joinChat(t, addr)
		a.expect(t, "* guest-2 joined")
	}
	return a, b
}

// allHear fails the test unless each of peers reads the line want next:
// what a broadcast is, seen from the room.
func allHear(t testing.TB, want string, peers ...*chatPeer) {
	t.Helper()
	for _, p := range peers {
		p.expect(t, want)
	}
}

// expectClosed fails the test unless the server closes the connection
// with nothing more to read.
func (p *chatPeer) expectClosed(t testing.TB) {
	t.Helper()
	if rest := readAll(t, p.r); rest != "" {
		t.Fatalf("%s got %q before the close, want nothing", p.name, rest)
	}
}

// readLine reads one line and returns it without its LF. A line longer
// than any the server sends is an error, not a buffer without end.
func (p *chatPeer) readLine() (string, error) {
	const most = 64 << 10
	var line []byte
	for {
		frag, err := p.r.ReadSlice('\n')
		line = append(line, frag...)
		switch {
		case err == nil:
			return string(line[:len(line)-1]), nil
		case !errors.Is(err, bufio.ErrBufferFull):
			return string(line), err
		case len(line) > most:
			return string(line[:80]) + "…", fmt.Errorf("a line over %d bytes", most)
		}
	}
}

// readAll reads until the server closes and returns what came first; a
// reset after a close counts as the close.
func readAll(t testing.TB, r io.Reader) string {
	t.Helper()
	var sb strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := r.Read(buf)
		sb.Write(buf[:n])
		if err != nil {
			if !errors.Is(err, io.EOF) && !netlabtest.IsReset(err) {
				t.Fatalf("waiting for the server to close: %v (after %q)", err, sb.String())
			}
			return sb.String()
		}
	}
}

// checkBursts reads n lines from each sender in from, in whatever
// interleaving, and fails the test unless each sender's lines are complete
// and in order.
func checkBursts(t testing.TB, p *chatPeer, n int, from ...string) {
	t.Helper()
	next := map[string]int{}
	for range n * len(from) {
		line, err := p.readLine()
		if err != nil {
			t.Fatalf("%s: %v after %v lines", p.name, err, next)
		}
		sender, text, _ := strings.Cut(line, ": ")
		i := next[sender]
		if want := fmt.Sprintf("%s says %03d %s", sender, i, strings.Repeat("-", i%50)); text != want || !slices.Contains(from, sender) {
			t.Fatalf("%s got %q, want line %d from one of %q", p.name, line, i, from)
		}
		next[sender]++
	}
}

// chatExchange has a and b each send lines numbered lines of size bytes and
// read the other's, at once, and returns the first thing that went wrong.
// Each sender keeps at most window lines ahead of what its reader has
// received. Each reader must also see the announcement want (a third
// client leaving) somewhere among the lines, and nothing else.
func chatExchange(a, b *chatPeer, lines, size, window int, want string) error {
	deadline := time.Now().Add(Timeout)
	a.c.SetDeadline(deadline)
	b.c.SetDeadline(deadline)
	stop := make(chan struct{}) // closed on the first error: every goroutine gives up
	var once sync.Once
	var firstErr error
	fail := func(err error) {
		once.Do(func() {
			firstErr = err
			close(stop)
			a.c.Close() // unblocks reads and writes
			b.c.Close()
		})
	}
	pad := strings.Repeat("m", size-len("000000 ")-1)
	var wg sync.WaitGroup
	for _, dir := range []struct{ from, to *chatPeer }{{a, b}, {b, a}} {
		tokens := make(chan struct{}, window)
		for range window {
			tokens <- struct{}{}
		}
		wg.Go(func() { // the sender
			w := bufio.NewWriterSize(dir.from.c, 64<<10)
			for i := range lines {
				select {
				case <-tokens:
				case <-stop:
					return
				}
				fmt.Fprintf(w, "%06d %s\n", i, pad)
				if len(tokens) == 0 || i == lines-1 {
					// Flush only when out of tokens: whole windows per
					// write, not one syscall a line.
					if err := w.Flush(); err != nil {
						fail(fmt.Errorf("%s sends line %d: %w", dir.from.name, i, err))
						return
					}
				}
			}
		})
		wg.Go(func() { // the receiver
			next, seen := 0, false
			prefix := dir.from.name + ": "
			for next < lines || !seen {
				line, err := dir.to.readLine()
				if err != nil {
					fail(fmt.Errorf("%s, having %d of %s's lines (announcement seen: %v): %w", dir.to.name, next, dir.from.name, seen, err))
					return
				}
				if line == want {
					seen = true
					continue
				}
				if line != prefix+fmt.Sprintf("%06d %s", next, pad) {
					fail(fmt.Errorf("%s got %.60q…, want %s's line %d", dir.to.name, line, dir.from.name, next))
					return
				}
				next++
				tokens <- struct{}{}
			}
		})
	}
	wg.Wait()
	if firstErr == nil {
		a.c.SetDeadline(time.Now().Add(Timeout))
		b.c.SetDeadline(time.Now().Add(Timeout))
	}
	return firstErr
}
