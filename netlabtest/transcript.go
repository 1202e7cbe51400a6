package netlabtest

import (
	"bufio"
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

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
// Steps run in order, and a receive waits for its bytes (up to [Timeout]),
// so a transcript says what each client sees in what order without any
// sleep: to show that nothing reached B, make B's next expected line
// something sent later.
type transcript struct {
	name  string // the file's name, for messages
	steps []step
}

type step struct {
	line   int    // line number in the file, for messages
	client string // A, B, …
	verb   string // connect, >, <, closewrite, eof, close; "" for a comment
	data   []byte // for > and <
	raw    string // the line as written, kept when the file is rewritten
}

func parseTranscript(name string, b []byte) (*transcript, error) {
	tr := &transcript{name: name}
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
				return nil, fmt.Errorf("%s:%d: %s needs a Go-quoted string: %v", name, s.line, verb, err)
			}
			s.data = []byte(q)
		case "connect", "closewrite", "eof", "close":
		default:
			return nil, fmt.Errorf("%s:%d: unknown step %q", name, s.line, verb)
		}
		tr.steps = append(tr.steps, s)
	}
	return tr, nil
}

//go:embed testdata
var golden embed.FS

// Golden returns the transcripts every netlab model passes with netlab's
// own services, as a file system of folders: echo/ (RFC 862), chat/single/
// (one client at a time), chat/multi/ (clients talking at once) and files/.
// A Service that speaks one of these protocols passes the same
// transcripts: see [RunTranscripts].
func Golden() fs.FS {
	sub, err := fs.Sub(golden, "testdata")
	if err != nil {
		panic(err) // the embedded folder is there by construction
	}
	return sub
}

// GoldenDir returns the folder on disk that [Golden] was built from, for
// rewriting the golden files with [RewriteTo]. It is empty in a binary
// built with -trimpath.
func GoldenDir() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok || !filepath.IsAbs(file) {
		return ""
	}
	return filepath.Join(filepath.Dir(file), "testdata")
}

// A TranscriptOption changes how [RunTranscripts] runs.
type TranscriptOption func(*transcriptRun)

type transcriptRun struct {
	rewrite string // folder the transcripts are rewritten in, or ""
}

// RewriteTo makes RunTranscripts rewrite each transcript, under root on
// disk, with what the server actually sent instead of failing: a receive
// step that expected whole lines reads as many whole lines as it expected,
// whatever they now say, and only the steps whose bytes changed are
// rewritten. Comments and unchanged steps keep their spelling. It is what
// netlab's own -update flag does; review the diff before committing it.
func RewriteTo(root string) TranscriptOption {
	return func(r *transcriptRun) { r.rewrite = root }
}

// RunTranscripts runs every *.txt transcript in the folder dir of fsys as a
// subtest named after the file, each against a fresh server: start is
// called once per transcript and returns the address to connect to (build
// it with [Start], which shuts the server down when the subtest ends).
// It fails the test if dir holds no transcript.
//
// To hold a Service of your own to netlab's chat protocol, under any model:
//
//	netlabtest.RunTranscripts(t, netlabtest.Golden(), "chat/multi", func(t *testing.T) string {
//		addr, _ := netlabtest.Start(t, netlabtest.Infallible(perconn.New), mychat.New(), netlab.Config{})
//		return addr
//	})
func RunTranscripts(t *testing.T, fsys fs.FS, dir string, start func(t *testing.T) string, opts ...TranscriptOption) {
	t.Helper()
	var run transcriptRun
	for _, o := range opts {
		o(&run)
	}
	files, err := fs.Glob(fsys, path.Join(dir, "*.txt"))
	require.NoError(t, err)
	require.NotEmpty(t, files, "no transcripts in %s", dir)
	for _, name := range files {
		t.Run(strings.TrimSuffix(path.Base(name), ".txt"), func(t *testing.T) {
			b, err := fs.ReadFile(fsys, name)
			if run.rewrite != "" {
				b, err = os.ReadFile(filepath.Join(run.rewrite, filepath.FromSlash(name)))
			}
			require.NoError(t, err)
			tr, err := parseTranscript(name, b)
			require.NoError(t, err)
			out := tr.run(t, start(t), run.rewrite != "")
			if out != nil {
				file := filepath.Join(run.rewrite, filepath.FromSlash(name))
				require.NoError(t, os.WriteFile(file, out, 0o644))
				t.Logf("updated %s", file)
			}
		})
	}
}

// run plays the transcript against addr. Rewriting, it returns the file's
// new text if a receive step changed, and nil otherwise.
func (tr *transcript) run(t *testing.T, addr string, rewrite bool) []byte {
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
		where := fmt.Sprintf("%s:%d", path.Base(tr.name), s.line)
		c := conns[s.client]
		if c == nil && s.verb != "connect" {
			t.Fatalf("%s: client %s is not connected", where, s.client)
		}
		switch s.verb {
		case "connect":
			c = Dial(t, addr)
			conns[s.client], readers[s.client] = c, bufio.NewReader(c)
		case ">":
			_, err := c.Write(s.data)
			require.NoError(t, err, "%s: %s sends %q", where, s.client, s.data)
		case "<":
			got, err := receiveStep(readers[s.client], s.data, rewrite)
			if !rewrite {
				require.NoError(t, err, "%s: %s received %q, want %q", where, s.client, got, s.data)
				require.Equal(t, string(s.data), string(got), "%s: what %s received", where, s.client)
				break
			}
			if err != nil {
				t.Errorf("%s: %s receives: %v", where, s.client, err)
			}
			if !bytes.Equal(got, s.data) {
				changed = true
				out = append(out, fmt.Sprintf("%s < %s", s.client, strconv.Quote(string(got))))
				continue
			}
		case "closewrite":
			require.NoError(t, c.CloseWrite(), "%s: %s closewrite", where, s.client)
		case "eof":
			rest, err := io.ReadAll(readers[s.client])
			if err != nil && !errors.Is(err, net.ErrClosed) && !IsReset(err) {
				t.Fatalf("%s: %s waits for the server to close: %v (after %q)", where, s.client, err, rest)
			}
			require.Empty(t, string(rest), "%s: %s got bytes before the server closed, want nothing more", where, s.client)
		case "close":
			c.Close()
			delete(conns, s.client)
		}
		out = append(out, s.raw)
	}
	if !changed {
		return nil
	}
	return []byte(strings.Join(out, "\n"))
}

// receiveStep reads what a "<" step expects: exactly len(want) bytes.
// Rewriting, want is what is being replaced, so its length may be wrong: a
// step that expected whole lines reads as many whole lines as it expected,
// however long they now are.
func receiveStep(r *bufio.Reader, want []byte, rewrite bool) ([]byte, error) {
	if lines := bytes.Count(want, []byte("\n")); rewrite && lines > 0 && want[len(want)-1] == '\n' {
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
