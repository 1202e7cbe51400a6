package filesrv

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/netlab-go/netlab"
)

// fakeConn is a [netlab.Conn] that records what a session sends, reading
// file regions at once, so session tests need no socket and no model.
type fakeConn struct {
	mu     sync.Mutex
	out    bytes.Buffer
	closed bool
	files  int // file regions sent
}

func (c *fakeConn) Send(p []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return netlab.ErrConnClosed
	}
	c.out.Write(p)
	return nil
}

func (c *fakeConn) SendFile(f *os.File, off, n int64) error {
	defer f.Close() // the Conn owns f, as the contract says
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return netlab.ErrConnClosed
	}
	c.files++
	_, err := io.Copy(&c.out, io.NewSectionReader(f, off, n))
	return err
}

func (c *fakeConn) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	return nil
}

func (c *fakeConn) RemoteAddr() net.Addr {
	return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40000}
}

func (c *fakeConn) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.out.String()
}

// newTestService serves a fresh folder holding files (name → content).
func newTestService(t testing.TB, opts Options, files map[string]string) (*Service, string) {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	svc, err := New(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close() })
	return svc, dir
}

func sum(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// hiddenFiles returns the names in dir that start with '.': uploads in
// progress or left behind.
func hiddenFiles(t testing.TB, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var hidden []string
	for _, e := range entries {
		if e.Name()[0] == '.' {
			hidden = append(hidden, e.Name())
		}
	}
	return hidden
}
