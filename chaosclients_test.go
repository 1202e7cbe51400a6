//go:build linux

package netlab_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net"
	"slices"
	"strings"

	"github.com/netlab-go/netlab/netlabtest"
)

// A chaosKind is one way a chaos client behaves: well, or with one fault.
type chaosKind string

const (
	echoOK        chaosKind = "echo well-behaved"
	echoFragments chaosKind = "echo in 1-byte fragments"
	echoHalfClose chaosKind = "echo half-closing"
	echoGarbage   chaosKind = "echo garbage"
	echoCut       chaosKind = "echo leaving mid-line"

	chatOK        chaosKind = "chat well-behaved"
	chatFragments chaosKind = "chat in 1-byte fragments"
	chatHalfClose chaosKind = "chat half-closing mid-line"
	chatGarbage   chaosKind = "chat garbage"
	chatCut       chaosKind = "chat leaving mid-line"

	filesPutOK     chaosKind = "files well-behaved upload"
	filesGetOK     chaosKind = "files well-behaved download"
	filesFragments chaosKind = "files upload in 1-byte fragments"
	filesGarbage   chaosKind = "files garbage"
	filesCutPut    chaosKind = "files leaving mid-upload"
	filesHalfPut   chaosKind = "files half-closing mid-upload"
	filesCutGet    chaosKind = "files leaving mid-download"
)

// chaosKinds are drawn uniformly: three in seventeen are well-behaved, and
// the half-closing, garbage and fragment clients are owed their answers
// too, so more than half the clients check every byte.
var chaosKinds = []chaosKind{
	echoOK, echoFragments, echoHalfClose, echoGarbage, echoCut,
	chatOK, chatFragments, chatHalfClose, chatGarbage, chatCut,
	filesPutOK, filesGetOK, filesFragments, filesGarbage, filesCutPut, filesHalfPut, filesCutGet,
}

// fault names the fault a kind injects, as the figures count it, or "".
func (k chaosKind) fault() string {
	switch k {
	case echoFragments, chatFragments, filesFragments:
		return "1-byte fragments"
	case echoHalfClose, chatHalfClose, filesHalfPut:
		return "half-close"
	case echoGarbage, chatGarbage, filesGarbage:
		return "garbage"
	case echoCut, chatCut:
		return "mid-line"
	case filesCutPut:
		return "mid-upload"
	case filesCutGet:
		return "mid-download"
	}
	return ""
}

// A chaosConn is one chaos client's connection. Every read and write on it
// fails after [netlabtest.Timeout], so no client can hang the run.
type chaosConn struct {
	c        *net.TCPConn
	r        *bufio.Reader
	rnd      *rand.Rand
	verified int64             // bytes checked against what the server owed
	resets   int               // hang-ups by RST
	uploads  map[string]string // name → SHA-256 of each upload answered OK
}

func (r *chaosRun) dial(service string, rnd *rand.Rand) (*chaosConn, error) {
	c, err := dialRaw(r.p.Addr(service))
	if err != nil {
		return nil, err
	}
	return &chaosConn{c: c, r: bufio.NewReader(c), rnd: rnd, uploads: map[string]string{}}, nil
}

// write sends p in chunks of random size.
func (c *chaosConn) write(p []byte) error {
	for len(p) > 0 {
		n := min(len(p), 1+c.rnd.IntN(4096))
		if _, err := c.c.Write(p[:n]); err != nil {
			return err
		}
		p = p[n:]
	}
	return nil
}

// trickle sends p one byte a write.
func (c *chaosConn) trickle(p []byte) error {
	for i := range p {
		if _, err := c.c.Write(p[i : i+1]); err != nil {
			return err
		}
	}
	return nil
}

func (c *chaosConn) line() (string, error) {
	s, err := c.r.ReadString('\n')
	if err != nil {
		return s, fmt.Errorf("reading a line (got %q): %w", s, err)
	}
	return strings.TrimSuffix(s, "\n"), nil
}

// expect reads a line and checks it is want.
func (c *chaosConn) expect(want string) error {
	got, err := c.line()
	if err != nil {
		return fmt.Errorf("want %q: %w", want, err)
	}
	if got != want {
		return fmt.Errorf("got %q, want %q", got, want)
	}
	c.verified += int64(len(want) + 1)
	return nil
}

// await reads lines until one satisfies ok — a chat client hears the
// others too — and returns it.
func (c *chaosConn) await(what string, ok func(string) bool) (string, error) {
	for {
		got, err := c.line()
		if err != nil {
			return "", fmt.Errorf("waiting for %s: %w", what, err)
		}
		if ok(got) {
			c.verified += int64(len(got) + 1)
			return got, nil
		}
	}
}

// body reads len(want) bytes and checks they are want.
func (c *chaosConn) body(want []byte) error {
	got := make([]byte, len(want))
	if _, err := io.ReadFull(c.r, got); err != nil {
		return fmt.Errorf("reading %d bytes: %w", len(want), err)
	}
	if !bytes.Equal(got, want) {
		i := 0
		for got[i] == want[i] {
			i++
		}
		return fmt.Errorf("%d bytes differ from what was owed from byte %d on", len(want), i)
	}
	c.verified += int64(len(want))
	return nil
}

// eof checks that the server closes with nothing more said (after, and
// only after, what is skipped).
func (c *chaosConn) eof(skip bool) error {
	rest, err := io.ReadAll(c.r)
	if err != nil && !netlabtest.IsReset(err) {
		return fmt.Errorf("waiting for the close: %w", err)
	}
	if len(rest) > 0 && !skip {
		return fmt.Errorf("%d bytes before the close, want none: %.40q", len(rest), rest)
	}
	return nil
}

// hangUp leaves at once: half the time with a reset (SO_LINGER 0), which
// the server sees as ECONNRESET, else with a FIN.
func (c *chaosConn) hangUp() error {
	if c.rnd.IntN(2) == 0 {
		c.c.SetLinger(0)
		c.resets++
	}
	return c.c.Close()
}

// garbage returns n bytes of anything but LF, starting with NUL so that
// no service reads a command in it.
func garbage(rnd *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rnd.UintN(256))
		if b[i] == '\n' {
			b[i] = 0x80
		}
	}
	b[0] = 0
	return b
}

// client runs one client of the given kind; id makes its names unique.
// It returns an error if the server did not answer as docs/protocols.md
// says, and adds what it verified to the run.
func (r *chaosRun) client(kind chaosKind, rnd *rand.Rand, id string) error {
	service, _, _ := strings.Cut(string(kind), " ")
	c, err := r.dial(service, rnd)
	if err != nil {
		return err
	}
	defer c.c.Close()
	switch service {
	case "echo":
		err = r.echo(c, kind)
	case "chat":
		err = r.chat(c, kind, id)
	default:
		err = r.files(c, kind, id)
	}
	r.mu.Lock()
	r.verified += c.verified
	r.resets += c.resets
	maps.Copy(r.uploads, c.uploads)
	r.mu.Unlock()
	return err
}

func (r *chaosRun) echo(c *chaosConn, kind chaosKind) error {
	data := netlabtest.Pattern(1+c.rnd.IntN(16<<10), c.rnd.Uint64())
	switch kind {
	case echoOK:
		if err := c.write(data); err != nil {
			return err
		}
		if err := c.body(data); err != nil {
			return err
		}
		c.c.CloseWrite()
		return c.eof(false)
	case echoFragments:
		data = data[:min(len(data), 256)]
		if err := c.trickle(data); err != nil {
			return err
		}
		return c.body(data)
	case echoHalfClose, echoGarbage:
		if kind == echoGarbage {
			data = garbage(c.rnd, len(data))
		}
		if err := c.write(data); err != nil {
			return err
		}
		c.c.CloseWrite() // everything still pending comes back, then the close
		if err := c.body(data); err != nil {
			return err
		}
		return c.eof(false)
	default: // echoCut
		if err := c.write(data[:len(data)/2+1]); err != nil {
			return err
		}
		return c.hangUp()
	}
}

func (r *chaosRun) chat(c *chaosConn, kind chaosKind, id string) error {
	welcome, err := c.await("the welcome", func(s string) bool { return strings.HasPrefix(s, "* welcome ") })
	if err != nil {
		return err
	}
	me := strings.TrimPrefix(welcome, "* welcome ")
	quit := func() error {
		if _, err := io.WriteString(c.c, "/quit\n"); err != nil {
			return err
		}
		if _, err := c.await("* bye", func(s string) bool { return s == "* bye" }); err != nil {
			return err
		}
		return c.eof(false)
	}
	switch kind {
	case chatOK:
		name := "ok-" + id
		if err := c.write([]byte("/nick " + name + "\n")); err != nil {
			return err
		}
		if _, err := c.await("the rename", func(s string) bool { return s == "* you are "+name }); err != nil {
			return err
		}
		n := 1 + c.rnd.IntN(20)
		for j := range n {
			if err := c.write(fmt.Appendf(nil, "/msg %s m%d\n", name, j)); err != nil {
				return err
			}
		}
		// Each receiver gets one sender's messages in the order sent.
		for j := range n {
			want := fmt.Sprintf("%s (dm): m%d", name, j)
			got, err := c.await(want, func(s string) bool { return strings.HasPrefix(s, name+" (dm): ") })
			if err != nil {
				return err
			}
			if got != want {
				return fmt.Errorf("got %q, want %q: out of order", got, want)
			}
		}
		return quit()
	case chatFragments:
		if err := c.trickle([]byte("/who\n")); err != nil {
			return err
		}
		who, err := c.await("the /who answer", func(s string) bool { return strings.HasPrefix(s, "* online: ") })
		if err != nil {
			return err
		}
		if !slices.Contains(strings.Fields(strings.TrimPrefix(who, "* online: ")), me) {
			return fmt.Errorf("%q does not list %s", who, me)
		}
		return quit()
	case chatGarbage:
		if err := c.write(append(garbage(c.rnd, 1+c.rnd.IntN(6000)), '\n')); err != nil {
			return err
		}
		return quit()
	case chatHalfClose:
		if err := c.write([]byte("last words without an end")); err != nil {
			return err
		}
		c.c.CloseWrite() // the text is taken as a last line, then the server closes
		return c.eof(true)
	default: // chatCut
		if err := c.write([]byte("half a li")); err != nil {
			return err
		}
		return c.hangUp()
	}
}

func (r *chaosRun) files(c *chaosConn, kind chaosKind, id string) error {
	data := netlabtest.Pattern(1+c.rnd.IntN(64<<10), c.rnd.Uint64())
	quit := func() error {
		if err := c.write([]byte("QUIT\n")); err != nil {
			return err
		}
		if err := c.expect("OK bye"); err != nil {
			return err
		}
		return c.eof(false)
	}
	put := func(name string, send func([]byte) error) error {
		if err := send(fmt.Appendf(nil, "PUT %s %d\n%s", name, len(data), data)); err != nil {
			return err
		}
		if err := c.expect(fmt.Sprintf("OK %d %s", len(data), netlabtest.SHA256(data))); err != nil {
			return err
		}
		c.uploads[name] = netlabtest.SHA256(data)
		return nil
	}
	switch kind {
	case filesPutOK:
		name := "ok-" + id
		if err := put(name, c.write); err != nil {
			return err
		}
		if err := c.write([]byte("GET " + name + "\n")); err != nil {
			return err
		}
		if err := c.expect(fmt.Sprint("OK ", len(data))); err != nil {
			return err
		}
		if err := c.body(data); err != nil {
			return err
		}
		return quit()
	case filesGetOK:
		off := c.rnd.IntN(len(r.big))
		if err := c.write(fmt.Appendf(nil, "GET big\nGET big %d\n", off)); err != nil {
			return err
		}
		if err := c.expect(fmt.Sprint("OK ", len(r.big))); err != nil {
			return err
		}
		if err := c.body(r.big); err != nil {
			return err
		}
		if err := c.expect(fmt.Sprint("OK ", len(r.big)-off)); err != nil {
			return err
		}
		if err := c.body(r.big[off:]); err != nil {
			return err
		}
		return quit()
	case filesFragments:
		data = data[:min(len(data), 300)]
		if err := put("frag-"+id, c.trickle); err != nil {
			return err
		}
		return quit()
	case filesGarbage:
		g := garbage(c.rnd, 1+c.rnd.IntN(3000))
		if err := c.write(append(g, "\nHASH big\n"...)); err != nil {
			return err
		}
		want := "ERR unknown command"
		if len(g) > 1024 {
			want = "ERR line too long"
		}
		if err := c.expect(want); err != nil {
			return err
		}
		if err := c.expect("OK " + netlabtest.SHA256(r.big)); err != nil {
			return err
		}
		return quit()
	case filesCutPut, filesHalfPut:
		data = append(data, data...) // at least two bytes: the client sends all but some
		head := fmt.Appendf(nil, "PUT cut-%s %d\n", id, len(data))
		if err := c.write(append(head, data[:c.rnd.IntN(len(data)-1)]...)); err != nil {
			return err
		}
		if kind == filesCutPut {
			return c.hangUp()
		}
		c.c.CloseWrite() // a PUT cut short gets no answer, only the close
		return c.eof(false)
	default: // filesCutGet
		if err := c.write([]byte("GET big\n")); err != nil {
			return err
		}
		if err := c.expect(fmt.Sprint("OK ", len(r.big))); err != nil {
			return err
		}
		if err := c.body(r.big[:1+c.rnd.IntN(len(r.big)/2)]); err != nil {
			return err
		}
		return c.hangUp()
	}
}
