package filesrv_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/filesrv"
	"github.com/netlab-go/netlab/internal/conformance"
	"github.com/netlab-go/netlab/iterative"
	"github.com/netlab-go/netlab/perconn"
)

var (
	perconnModel = conformance.Model{Name: "perconn", New: func(svc netlab.Service, cfg netlab.Config) (netlab.Server, error) {
		return perconn.New(svc, cfg), nil
	}}
	iterativeModel = conformance.Model{Name: "iterative", Serial: true, New: func(svc netlab.Service, cfg netlab.Config) (netlab.Server, error) {
		return iterative.New(svc, cfg), nil
	}}
)

// serve starts a files server on perconn over a fresh folder and returns
// its address and the folder. Both are cleaned up when the test ends.
func serve(t testing.TB, opts filesrv.Options, cfg netlab.Config) (addr, dir string) {
	t.Helper()
	dir = t.TempDir()
	svc, err := filesrv.New(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close() }) // runs after the server's shutdown, registered below
	addr, _ = conformance.Start(t, perconnModel, svc, cfg)
	return addr, dir
}

// dial returns a client of addr that is closed when the test ends.
func dial(t testing.TB, addr string) *filesrv.Client {
	t.Helper()
	c, err := filesrv.Dial(t.Context(), addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func randomBytes(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 0x66696c6573))
	b := make([]byte, n)
	for i := 0; i < n; i += 8 {
		v := r.Uint64()
		for j := 0; j < 8 && i+j < n; j++ {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	return b
}

func sumOf(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// waitFor checks cond every few milliseconds until it holds, and fails the
// test after conformance.Timeout. It is for state changed by another
// goroutine (or process) that sends no event we could wait on, like a
// server removing a file after a client vanished; the loop is bounded and
// waits on a ticker, never on a guess of how long things take.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.NewTimer(conformance.Timeout)
	defer deadline.Stop()
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-deadline.C:
			t.Fatalf("gave up after %v waiting for %s", conformance.Timeout, what)
		case <-tick.C:
		}
	}
}

// hidden returns the names in dir starting with '.'.
func hidden(t testing.TB, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			names = append(names, e.Name())
		}
	}
	return names
}

func assertContent(t testing.TB, path string, want []byte) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s: %d bytes with SHA-256 %s, want %d bytes with %s", filepath.Base(path), len(got), sumOf(got)[:12], len(want), sumOf(want)[:12])
	}
}
