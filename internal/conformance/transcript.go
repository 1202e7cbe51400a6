package conformance

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/netlab-go/netlab"
)

var update = flag.Bool("update", false, "rewrite the expected lines of golden transcripts from what the server sends")

// A transcript is a golden file describing a conversation between named
// clients and a server, one step a line:
//
//	# comment (and blank lines) are ignored
//	A connect            client A connects
//	A > "hello\n"        A sends these bytes (a Go-quoted string)
//	A < "hello\n"        A receives exactly these bytes next
//	A closewrite         A shuts down its sending side
//	A eof                the server closes A: A reads end of stream
//	A close              A closes its connection
//
// Steps run in order, and a receive waits for its bytes (up to [Timeout]), so
// a transcript says what each client sees in what order without any sleep:
// to show that nothing reached B, make B's next expected line something sent
// later. With -update, a receive step that expected whole lines reads as many
// whole lines as it expected, whatever they now say, and the steps whose bytes
// changed are rewritten with what the server actually sent.
type transcript struct {
	path  string
	steps []step
}

type step struct {
	line   int    // line number in the file, for messages
	client string // A, B, …
	verb   string // connect, >, <, closewrite, eof, close
	data   []byte // for > and <
	raw    string // the line as written, for rewriting comments in place
}

func parseTranscript(path string) (*transcript, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	tr := &transcript{path: path}
	for i, line := range strings.Split(string(b), "\n") {
		s := step{line: i + 1, raw: line}
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			tr.steps = append(tr.steps, s)
			continue
		}
		client, rest, _ := strings.Cut(trimmed, " ")
		verb, arg, _ := strings.Cut(strings.TrimSpace(rest), " ")
		s.client, s.verb = client, verb
		switch verb {
		case ">", "<":
			q, err := strconv.Unquote(strings.TrimSpace(arg))
			if err != nil {
				return nil, fmt.Errorf("%s:%d: %s needs a Go-quoted string: %v", path, s.line, verb, err)
			}
			s.data = []byte(q)
		case "connect", "closewrite", "eof", "close":
		default:
			return nil, fmt.Errorf("%s:%d: unknown step %q", path, s.line, verb)
		}
		tr.steps = append(tr.steps, s)
	}
	return tr, nil
}

// RunTranscripts runs every *.txt transcript in dir as a subtest, each
// against a fresh server of model m serving a fresh service from newService.
func RunTranscripts(t *testing.T, m Model, dir string, newService func(t testing.TB) netlab.Service, cfg netlab.Config) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no transcripts in %s (%v)", dir, err)
	}
	for _, path := range files {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".txt"), func(t *testing.T) {
			tr, err := parseTranscript(path)
			if err != nil {
				t.Fatal(err)
			}
			addr, _ := Start(t, m, newService(t), cfg)
			tr.run(t, addr)
		})
	}
}

// Play runs the transcript at path against the server at addr.
func Play(t *testing.T, addr, path string) {
	t.Helper()
	tr, err := parseTranscript(path)
	if err != nil {
		t.Fatal(err)
	}
	tr.run(t, addr)
}

func (tr *transcript) run(t *testing.T, addr string) {
	t.Helper()
	conns := map[string]*net.TCPConn{}
	readers := map[string]*bufio.Reader{}
	var out []string
	changed := false
	for _, s := range tr.steps {
		if s.verb == "" {
			out = append(out, s.raw)
			continue
		}
		where := fmt.Sprintf("%s:%d", filepath.Base(tr.path), s.line)
		c := conns[s.client]
		if c == nil && s.verb != "connect" {
			t.Fatalf("%s: client %s is not connected", where, s.client)
		}
		switch s.verb {
		case "connect":
			c = Dial(t, addr)
			conns[s.client], readers[s.client] = c, bufio.NewReader(c)
		case ">":
			if _, err := c.Write(s.data); err != nil {
				t.Fatalf("%s: %s sends %q: %v", where, s.client, s.data, err)
			}
		case "<":
			got, err := receive(readers[s.client], s.data)
			if *update {
				if err != nil {
					t.Errorf("%s: %s receives: %v", where, s.client, err)
				}
				if bytes.Equal(got, s.data) {
					out = append(out, s.raw) // unchanged lines keep their spelling
					continue
				}
				changed = true
				out = append(out, fmt.Sprintf("%s < %s", s.client, strconv.Quote(string(got))))
				continue
			}
			if err != nil || !bytes.Equal(got, s.data) {
				t.Fatalf("%s: %s received %q (%v), want %q", where, s.client, got, err, s.data)
			}
		case "closewrite":
			if err := c.CloseWrite(); err != nil {
				t.Fatalf("%s: %s closewrite: %v", where, s.client, err)
			}
		case "eof":
			rest, err := io.ReadAll(readers[s.client])
			if err != nil && !errors.Is(err, net.ErrClosed) && !isReset(err) {
				t.Fatalf("%s: %s waits for the server to close: %v (after %q)", where, s.client, err, rest)
			}
			if len(rest) > 0 {
				t.Fatalf("%s: %s got %q before the server closed, want nothing more", where, s.client, rest)
			}
		case "close":
			c.Close()
			delete(conns, s.client)
		}
		out = append(out, s.raw)
	}
	if *update && changed {
		if err := os.WriteFile(tr.path, []byte(strings.Join(out, "\n")), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("updated %s", tr.path)
	}
}

// receive reads what a "<" step expects. Normally that is exactly
// len(want) bytes. With -update, want is what is being replaced, so its
// length may be wrong: a step that expected whole lines reads as many whole
// lines as it expected, however long they now are.
func receive(r *bufio.Reader, want []byte) ([]byte, error) {
	if lines := bytes.Count(want, []byte("\n")); *update && lines > 0 && want[len(want)-1] == '\n' {
		var got []byte
		for range lines {
			line, err := r.ReadBytes('\n')
			got = append(got, line...)
			if err != nil {
				return got, err
			}
		}
		return got, nil
	}
	got := make([]byte, len(want))
	n, err := io.ReadFull(r, got)
	return got[:n], err
}

func isReset(err error) bool {
	return strings.Contains(err.Error(), "connection reset")
}

// WaitClosed waits until the server closes c, discarding anything it
// sends first, and fails the test if that takes longer than [Timeout].
func WaitClosed(t testing.TB, c net.Conn) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(Timeout))
	if _, err := io.Copy(io.Discard, c); err != nil && !isReset(err) {
		t.Fatalf("waiting for the server to close: %v", err)
	}
}
