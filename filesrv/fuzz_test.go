package filesrv

import (
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/netlab-go/netlab/netlabtest"
)

// FuzzSession feeds a files session the same bytes twice, each time over a
// fresh folder holding the same files: once whole and once cut into pieces
// whose lengths come from cuts (1 to 32 bytes each; no cuts, one byte a
// piece). The replies, whether the connection was closed, and the files
// left in the folder must be the same, and no temporary file may be left.
//
//	go test -run '^$' -fuzz FuzzSession -fuzztime 30s ./filesrv/
func FuzzSession(f *testing.F) {
	f.Add([]byte("LIST\nGET a\nGET b 90\nHASH a\nPUT c 3\nxyzGET c\nQUIT\n"), []byte{1, 7})
	f.Add([]byte("PUT a 5\nab"), []byte{})
	f.Add([]byte("GET "+strings.Repeat("x", 1030)+"\nLIST\r\n\nGET a 4\n"), []byte{31})
	f.Add([]byte("PUT big 65\n"), []byte{2})
	f.Fuzz(func(t *testing.T, data, cuts []byte) {
		wholeOut, wholeClosed, wholeFiles := fuzzRun(t, [][]byte{data})
		splitOut, splitClosed, splitFiles := fuzzRun(t, netlabtest.Cut(data, cuts))
		if wholeOut != splitOut || wholeClosed != splitClosed {
			t.Fatalf("fed whole: %q (closed %v); in pieces: %q (closed %v)", wholeOut, wholeClosed, splitOut, splitClosed)
		}
		if !maps.Equal(wholeFiles, splitFiles) {
			t.Fatalf("fed whole, the folder holds %q; in pieces, %q", wholeFiles, splitFiles)
		}
	})
}

// fuzzRun serves a fresh folder, feeds one session the pieces and then the
// end of its input, and returns the replies, whether the session closed
// the connection, and the folder's files by name.
func fuzzRun(t *testing.T, pieces [][]byte) (string, bool, map[string]string) {
	dir := fuzzDir(t)
	for name, data := range map[string]string{"a": "abc", "b": strings.Repeat("0123456789", 10)} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	svc, err := New(dir, Options{MaxUpload: 64})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	c := netlabtest.NewConn()
	s := svc.Open(c)
	for _, p := range pieces {
		s.Data(p)
	}
	closed := c.Closed()
	s.EOF()
	s.Closed(nil)
	files := map[string]string{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Fatalf("%s was left behind", e.Name())
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files[e.Name()] = string(b)
	}
	return c.String(), closed, files
}

// fuzzDir returns a fresh folder, in memory where Linux offers one: every
// PUT ends in two fsyncs, which on a disk would make the fuzzer crawl.
func fuzzDir(t *testing.T) string {
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		dir, err := os.MkdirTemp("/dev/shm", "netlab-fuzz-")
		if err == nil {
			t.Cleanup(func() { os.RemoveAll(dir) })
			return dir
		}
	}
	return t.TempDir()
}
