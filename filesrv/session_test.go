package filesrv

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netlab-go/netlab/netlabtest"
)

// feed runs input through a fresh session on svc in pieces of chunk bytes
// (0: all at once) and returns what the session sent and whether it closed.
func feed(svc *Service, input string, chunk int) (string, bool) {
	c := netlabtest.NewConn()
	s := svc.Open(c)
	for p := []byte(input); len(p) > 0; {
		n := len(p)
		if chunk > 0 {
			n = min(chunk, n)
		}
		s.Data(p[:n])
		p = p[n:]
	}
	s.EOF()
	s.Closed(nil)
	return c.String(), c.Closed()
}

var empty = netlabtest.SHA256("")

// TestSession holds the session to docs/protocols.md, reply for reply, with the
// input cut in every way a model might hand it over.
func TestSession(t *testing.T) {
	files := map[string]string{"a": "hello", "b": "", "z-last": "zz"}
	long := strings.Repeat("x", MaxLine)
	tests := []struct {
		name   string
		input  string
		want   string
		closed bool
	}{
		{"LIST lists regular files sorted by name", "LIST\n", "OK 3\n5 a\n0 b\n2 z-last\n", false},
		{"GET sends the size then the bytes", "GET a\n", "OK 5\nhello", false},
		{"GET with an offset sends the rest", "GET a 2\n", "OK 3\nllo", false},
		{"GET at the very end sends OK 0", "GET a 5\n", "OK 0\n", false},
		{"GET of an empty file sends OK 0", "GET b\n", "OK 0\n", false},
		{"GET past the end is a bad offset", "GET a 6\n", "ERR bad offset\n", false},
		{"GET with an offset too big for int64 is a bad offset", "GET a 99999999999999999999999\n", "ERR bad offset\n", false},
		{"GET of a missing file is not found", "GET nope\n", "ERR not found\n", false},
		{"GET without a name is a bad request", "GET\n", "ERR bad request\n", false},
		{"GET with three arguments is a bad request", "GET a 1 2\n", "ERR bad request\n", false},
		{"GET with a negative offset is a bad request", "GET a -1\n", "ERR bad request\n", false},
		{"GET with a signed offset is a bad request", "GET a +1\n", "ERR bad request\n", false},
		{"GET with a hex offset is a bad request", "GET a 0x1\n", "ERR bad request\n", false},
		{"GET of a path is an invalid name", "GET ../a\n", "ERR invalid name\n", false},
		{"HASH sends the SHA-256", "HASH a\n", "OK " + netlabtest.SHA256("hello") + "\n", false},
		{"HASH of an empty file", "HASH b\n", "OK " + empty + "\n", false},
		{"HASH of a missing file is not found", "HASH nope\n", "ERR not found\n", false},
		{"HASH without a name is a bad request", "HASH\n", "ERR bad request\n", false},
		{"PUT stores and answers size and SHA-256", "PUT new 3\nabcGET new\n", "OK 3 " + netlabtest.SHA256("abc") + "\nOK 3\nabc", false},
		{"PUT of zero bytes stores an empty file", "PUT e 0\nGET e\n", "OK 0 " + empty + "\nOK 0\n", false},
		{"PUT replaces a file", "PUT a 2\nhiGET a\n", "OK 2 " + netlabtest.SHA256("hi") + "\nOK 2\nhi", false},
		{"PUT payload may hold newlines and look like commands", "PUT p 6\nLIST\n\nHASH p\n", "OK 6 " + netlabtest.SHA256("LIST\n\n") + "\nOK " + netlabtest.SHA256("LIST\n\n") + "\n", false},
		{"PUT over the maximum is too large and closes", "PUT big 1001\nxxx", "ERR too large\n", true},
		{"PUT with an invalid name closes", "PUT ../x 3\nabcLIST\n", "ERR invalid name\n", true},
		{"PUT without a size is a bad request and closes", "PUT x\nLIST\n", "ERR bad request\n", true},
		{"PUT with a negative size is a bad request and closes", "PUT x -3\nabc", "ERR bad request\n", true},
		{"QUIT says bye and closes", "QUIT\nLIST\n", "OK bye\n", true},
		{"QUIT with an argument is a bad request", "QUIT now\n", "ERR bad request\n", false},
		{"LIST with an argument is a bad request", "LIST all\n", "ERR bad request\n", false},
		{"an unknown word is an unknown command", "FETCH a\n", "ERR unknown command\n", false},
		{"commands are case-sensitive", "list\n", "ERR unknown command\n", false},
		{"an empty line is an unknown command", "\n", "ERR unknown command\n", false},
		{"a double space is a bad request", "GET  a\n", "ERR bad request\n", false},
		{"a trailing space is a bad request", "LIST \n", "ERR bad request\n", false},
		{"a CR before the LF is dropped", "LIST\r\nGET a\r\n", "OK 3\n5 a\n0 b\n2 z-last\nOK 5\nhello", false},
		{"a CR elsewhere is part of the line", "GET a\rb\n", "ERR invalid name\n", false},
		{"the connection stays usable after an ERR", "GET ../a\nNOPE\nGET a 9\nGET a 4\n", "ERR invalid name\nERR unknown command\nERR bad offset\nOK 1\no", false},
		{"a line of exactly MaxLine bytes is read", long + "\n", "ERR unknown command\n", false},
		{"a line of MaxLine bytes may end in CR LF", long + "\r\n", "ERR unknown command\n", false},
		{"a line over MaxLine bytes is too long and skipped to its LF", long + "yy\nLIST\n", "ERR line too long\nOK 3\n5 a\n0 b\n2 z-last\n", false},
		{"a line of MaxLine bytes and a CR not before LF is too long", long + "\ry\nQUIT\n", "ERR line too long\nOK bye\n", true},
		{"a very long line is answered once", strings.Repeat("GET ", 5000) + "\nHASH b\n", "ERR line too long\nOK " + empty + "\n", false},
		{"an unterminated last line is not a command", "LIST", "", false},
		{"many commands run on one connection", "LIST\nHASH z-last\nGET z-last 1\nQUIT\n", "OK 3\n5 a\n0 b\n2 z-last\nOK " + netlabtest.SHA256("zz") + "\nOK 1\nzOK bye\n", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, chunk := range []int{0, 1, 2, 7} {
				svc, _ := newTestService(t, Options{MaxUpload: 1000}, files)
				got, closed := feed(svc, tt.input, chunk)
				assert.Equal(t, tt.want, got, "in pieces of %d: got %q, want %q", chunk, got, tt.want)
				assert.Equal(t, tt.closed, closed, "in pieces of %d: closed = %v, want %v", chunk, closed, tt.closed)
			}
		})
	}
}

// TestSessionUploads checks what PUT leaves on disk, and what it does not.
func TestSessionUploads(t *testing.T) {
	t.Run("a complete upload is renamed into place and nothing else is left", func(t *testing.T) {
		svc, dir := newTestService(t, Options{}, nil)
		feed(svc, "PUT f 5\nhello", 1)
		assertFile(t, dir, "f", "hello")
		if h := netlabtest.HiddenFiles(t, dir); len(h) > 0 {
			t.Errorf("left behind %v", h)
		}
	})

	t.Run("an upload is invisible until its last byte arrives", func(t *testing.T) {
		svc, dir := newTestService(t, Options{}, nil)
		c := netlabtest.NewConn()
		s := svc.Open(c)
		s.Data([]byte("PUT f 5\nhell"))
		if _, err := os.Stat(filepath.Join(dir, "f")); !os.IsNotExist(err) {
			t.Fatalf("f exists before the upload is complete (%v)", err)
		}
		if h := netlabtest.HiddenFiles(t, dir); len(h) != 1 {
			t.Fatalf("want one hidden temporary file while uploading, have %v", h)
		}
		other, _ := feed(svc, "LIST\n", 0)
		assert.Equal(t, "OK 0\n", other, "LIST during an upload = %q, want OK 0", other)
		assert.False(t, s.(*session).Idle(), "a session receiving an upload says it is idle")
		s.Data([]byte("o"))
		assert.True(t, s.(*session).Idle(), "a session between commands says it is busy")
		s.Closed(nil)
		assertFile(t, dir, "f", "hello")
	})

	for _, end := range []string{"EOF", "Closed"} {
		t.Run("a client gone mid-upload ("+end+") leaves nothing behind", func(t *testing.T) {
			svc, dir := newTestService(t, Options{}, map[string]string{"f": "old"})
			c := netlabtest.NewConn()
			s := svc.Open(c)
			s.Data([]byte("PUT f 100\npartial"))
			if end == "EOF" {
				s.EOF()
			}
			s.Closed(nil)
			if h := netlabtest.HiddenFiles(t, dir); len(h) > 0 {
				t.Errorf("left behind %v", h)
			}
			assertFile(t, dir, "f", "old")
		})
	}

	t.Run("a PUT onto a folder is refused before the payload", func(t *testing.T) {
		svc, dir := newTestService(t, Options{}, nil)
		os.Mkdir(filepath.Join(dir, "d"), 0o755)
		got, closed := feed(svc, "PUT d 3\nabc", 0)
		assert.Equal(t, "ERR invalid name\n", got, "got %q closed=%v, want ERR invalid name and a close", got, closed)
		assert.True(t, closed, "got %q closed=%v, want ERR invalid name and a close", got, closed)
	})

	t.Run("half a command line is not idle", func(t *testing.T) {
		svc, _ := newTestService(t, Options{}, nil)
		s := svc.Open(netlabtest.NewConn()).(*session)
		s.Data([]byte("LI"))
		assert.False(t, s.Idle(), "Idle with half a command read")
		s.Data([]byte("ST\n"))
		assert.True(t, s.Idle(), "not Idle after the command ran")
		s.Closed(nil)
	})
}

// TestList checks what LIST leaves out: anything GET would not serve or a
// client could not name.
func TestList(t *testing.T) {
	svc, dir := newTestService(t, Options{}, map[string]string{
		"plain":          "1",
		".hidden":        "2",
		"has space":      "3",
		"new\nline":      "4",
		tempPrefix + "x": "5",
	})
	outside := t.TempDir()
	os.WriteFile(filepath.Join(outside, "secret"), []byte("secret"), 0o644)
	os.Mkdir(filepath.Join(dir, "folder"), 0o755)
	os.Symlink("plain", filepath.Join(dir, "link-inside"))
	os.Symlink(filepath.Join(outside, "secret"), filepath.Join(dir, "link-outside"))
	os.Symlink("../"+filepath.Base(outside)+"/secret", filepath.Join(dir, "link-relative-outside"))
	got, _ := feed(svc, "LIST\n", 0)
	if want := "OK 2\n1 link-inside\n1 plain\n"; got != want {
		t.Errorf("LIST = %q, want %q", got, want)
	}
}

// TestListLarge checks that a LIST reply too big for a connection's send
// queue goes as a file region, and that the region has no name on disk.
func TestListLarge(t *testing.T) {
	svc, dir := newTestService(t, Options{}, nil)
	var want strings.Builder
	const n = 3000
	fmt.Fprintf(&want, "OK %d\n", n)
	var names []string
	for i := range n {
		name := fmt.Sprintf("file-with-a-longish-name-%05d", i)
		names = append(names, name)
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), nil, 0o644))
	}
	slices.Sort(names)
	for _, name := range names {
		fmt.Fprintf(&want, "0 %s\n", name)
	}
	c := netlabtest.NewConn()
	s := svc.Open(c)
	s.Data([]byte("LIST\n"))
	s.Closed(nil)
	require.Equal(t, want.String(), c.String(), "large LIST differs (got %d bytes, want %d)", len(c.String()), want.Len())
	assert.EqualValues(t, 1, c.Files(), "sent %d file regions, want the reply as 1", c.Files())
	if h := netlabtest.HiddenFiles(t, dir); len(h) > 0 {
		t.Errorf("left behind %v", h)
	}
}

// TestStaleUploads checks the startup sweep: a temporary file nobody holds
// is removed, one a running upload holds is not.
func TestStaleUploads(t *testing.T) {
	dir := t.TempDir()
	stale := filepath.Join(dir, tempPrefix+"crashed")
	os.WriteFile(stale, []byte("half"), 0o644)
	os.WriteFile(filepath.Join(dir, ".keep-me"), []byte("not ours"), 0o644)

	first, err := New(dir, Options{})
	require.NoError(t, err)
	defer first.Close()
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("stale upload still there (%v)", err)
	}
	if _, err := os.Stat(filepath.Join(dir, ".keep-me")); err != nil {
		t.Errorf("a hidden file that is not ours was touched: %v", err)
	}

	s := first.Open(netlabtest.NewConn())
	s.Data([]byte("PUT f 4\nha"))
	live := netlabtest.HiddenFiles(t, dir)
	second, err := New(dir, Options{}) // a second server on the same folder
	require.NoError(t, err)
	defer second.Close()
	if h := netlabtest.HiddenFiles(t, dir); !slices.Equal(h, live) {
		t.Fatalf("a second server's sweep changed %v to %v", live, h)
	}
	s.Data([]byte("lf"))
	s.Closed(nil)
	assertFile(t, dir, "f", "half")
}

func assertFile(t *testing.T, dir, name, want string) {
	t.Helper()
	got, err := os.ReadFile(filepath.Join(dir, name))
	require.NoError(t, err, "%s = %q (%v), want %q", name, got, err, want)
	assert.Equal(t, want, string(got), "%s = %q (%v), want %q", name, got, err, want)
}

// newTestService serves a fresh folder holding files (name → content).
func newTestService(t testing.TB, opts Options, files map[string]string) (*Service, string) {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644))
	}
	svc, err := New(dir, opts)
	require.NoError(t, err)
	t.Cleanup(func() { svc.Close() })
	return svc, dir
}
