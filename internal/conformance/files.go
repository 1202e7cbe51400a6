package conformance

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/filesrv"
	"github.com/netlab-go/netlab/netlabtest"
)

// Files holds model m to the files protocol: the golden transcripts in files/, each
// against a fresh server over a fresh, empty folder, then what transcripts
// cannot show: transfers at once, a client vanishing mid-upload, resume,
// an ERR to a PUT whose payload is still streaming, names and symlinks that
// try to leave the folder, the busy reply, and a graceful shutdown that
// lets an upload finish. Every client here is a raw TCP connection.
func Files(t *testing.T, m Model) {
	t.Run("transcripts", func(t *testing.T) {
		RunTranscripts(t, m, "files", func(t testing.TB) netlab.Service {
			svc, _ := newFiles(t)
			return svc
		}, netlab.Config{})
	})

	t.Run("four uploads and four downloads at once each arrive whole", func(t *testing.T) {
		if m.Serial {
			t.Skip("a serial model serves one transfer at a time")
		}
		addr, _ := startFiles(t, m, netlab.Config{})
		const n, size = 4, 1 << 20
		old := make([][]byte, n)
		for i := range n {
			old[i] = netlabtest.Pattern(size+i, uint64(100+i))
			c := Dial(t, addr)
			filesPut(t, c, fmt.Sprintf("old-%d", i), old[i])
			c.Close()
		}
		var wg sync.WaitGroup
		errs := make(chan error, 2*n)
		for i := range n {
			up, down := Dial(t, addr), Dial(t, addr)
			wg.Go(func() {
				data := netlabtest.Pattern(size-i, uint64(200+i))
				errs <- tryPut(up, fmt.Sprintf("new-%d", i), data)
			})
			wg.Go(func() {
				got, err := tryGet(down, fmt.Sprintf("old-%d", i), 0)
				if err == nil && !bytes.Equal(got, old[i]) {
					err = fmt.Errorf("download %d: %d bytes that differ from the %d uploaded", i, len(got), len(old[i]))
				}
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			assert.NoError(t, err)
		}
	})

	t.Run("a client that vanishes mid-upload leaves nothing behind", func(t *testing.T) {
		addr, root := startFiles(t, m, netlab.Config{})
		c := Dial(t, addr)
		filesPut(t, c, "doc", []byte("version 1"))
		fmt.Fprintf(c, "PUT doc %d\n", 8<<20)
		c.Write(netlabtest.Pattern(256<<10, 3))
		netlabtest.WaitFor(t, "the upload's temporary file to appear", func() bool { return len(netlabtest.HiddenFiles(t, root)) == 1 })
		c.Close()
		netlabtest.WaitFor(t, "the temporary file to be removed", func() bool { return len(netlabtest.HiddenFiles(t, root)) == 0 })
		got, err := os.ReadFile(filepath.Join(root, "doc"))
		if err != nil || string(got) != "version 1" {
			t.Fatalf("doc = %q (%v), want the old version untouched", got, err)
		}
	})

	t.Run("a download resumes from an offset", func(t *testing.T) {
		addr, _ := startFiles(t, m, netlab.Config{})
		c := Dial(t, addr)
		data := netlabtest.Pattern(3<<20+5, 4)
		filesPut(t, c, "r", data)
		for _, off := range []int{0, 1, 1 << 20, len(data) - 1, len(data)} {
			got, err := tryGet(c, "r", off)
			if err != nil || !bytes.Equal(got, data[off:]) {
				t.Fatalf("GET r %d: %d bytes (%v), want the last %d", off, len(got), err, len(data)-off)
			}
		}
	})

	t.Run("an ERR to a PUT closes even while the payload streams", func(t *testing.T) {
		addr, root := startFiles(t, m, netlab.Config{})
		for _, line := range []string{"PUT huge 99999999999", "PUT ../huge 1000000", "PUT huge"} {
			c := Dial(t, addr)
			var wg sync.WaitGroup
			wg.Go(func() {
				fmt.Fprintf(c, "%s\n", line)
				// Keep sending as a client that did not wait for a
				// reply would; stops when the server closes.
				chunk := make([]byte, 64<<10)
				for range 64 {
					if _, err := c.Write(chunk); err != nil {
						return
					}
				}
			})
			r := bufio.NewReader(c)
			reply, err := r.ReadString('\n')
			if err != nil || !strings.HasPrefix(reply, "ERR ") {
				t.Errorf("%s: got %q (%v), want an ERR", line, reply, err)
			}
			WaitClosed(t, c)
			c.Close() // the writer, if still writing, fails now
			wg.Wait()
		}
		if entries, _ := os.ReadDir(root); len(entries) > 0 {
			t.Errorf("refused PUTs left %d entries in the folder", len(entries))
		}
	})

	t.Run("names and symlinks that leave the folder are refused", func(t *testing.T) {
		addr, root := startFiles(t, m, netlab.Config{})
		outside := t.TempDir()
		const secret = "outside the root\n"
		os.WriteFile(filepath.Join(outside, "secret"), []byte(secret), 0o644)
		os.Symlink(filepath.Join(outside, "secret"), filepath.Join(root, "link-out"))
		rel, _ := filepath.Rel(root, filepath.Join(outside, "secret"))
		os.Symlink(rel, filepath.Join(root, "rel-out"))
		c := Dial(t, addr)
		r := bufio.NewReader(c)
		for _, tc := range []struct{ line, want string }{
			{"GET ../" + filepath.Base(outside) + "/secret", "ERR invalid name\n"},
			{"GET " + filepath.Join(outside, "secret"), "ERR invalid name\n"},
			{"GET ..", "ERR invalid name\n"},
			{`GET ..\secret`, "ERR invalid name\n"},
			{"GET a\x00b", "ERR invalid name\n"},
			{"HASH " + strings.Repeat("n", 300), "ERR invalid name\n"},
			{"GET link-out", "ERR not found\n"},
			{"GET rel-out", "ERR not found\n"},
			{"HASH link-out", "ERR not found\n"},
			{"LIST", "OK 0\n"},
		} {
			fmt.Fprintf(c, "%s\n", tc.line)
			if got, err := r.ReadString('\n'); got != tc.want {
				t.Errorf("%q: got %q (%v), want %q", tc.line, got, err, tc.want)
			}
		}
		c.Close() // a serial model serves the next client only now
		p := Dial(t, addr)
		fmt.Fprintf(p, "PUT ../%s/secret 6\npwned!", filepath.Base(outside))
		if got, _ := io.ReadAll(p); string(got) != "ERR invalid name\n" {
			t.Errorf("PUT outside: got %q", got)
		}
		if got, _ := os.ReadFile(filepath.Join(outside, "secret")); string(got) != secret {
			t.Errorf("the file outside the root now holds %q", got)
		}
	})

	t.Run("a client beyond the connection limit gets ERR busy", func(t *testing.T) {
		if m.Serial {
			t.Skip("a serial model leaves the next client waiting in the backlog instead")
		}
		addr, _ := startFiles(t, m, netlab.Config{MaxConns: 1})
		first := Dial(t, addr)
		fmt.Fprintf(first, "LIST\n")
		if got, _ := bufio.NewReader(first).ReadString('\n'); got != "OK 0\n" {
			t.Fatalf("first client: %q", got) // now it surely holds the one slot
		}
		second := Dial(t, addr)
		if got, _ := io.ReadAll(second); string(got) != "ERR busy\n" {
			t.Errorf("second client got %q, want ERR busy and a close", got)
		}
	})

	t.Run("a graceful shutdown lets an upload in progress finish", func(t *testing.T) {
		addr, srv, root := startFilesServer(t, m, netlab.Config{})
		c := Dial(t, addr)
		data := netlabtest.Pattern(1<<20, 5)
		fmt.Fprintf(c, "PUT last %d\n", len(data))
		c.Write(data[:len(data)/2])
		netlabtest.WaitFor(t, "the upload to start", func() bool { return len(netlabtest.HiddenFiles(t, root)) == 1 })
		ctx, cancel := context.WithTimeout(context.Background(), Timeout)
		defer cancel()
		done := netlabtest.Shutdown(ctx, srv)
		c.Write(data[len(data)/2:])
		reply, err := bufio.NewReader(c).ReadString('\n')
		if want := fmt.Sprintf("OK %d %s\n", len(data), netlabtest.SHA256(data)); reply != want {
			t.Errorf("upload during shutdown: got %q (%v), want %q", reply, err, want)
		}
		if err := <-done; err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
}

// newFiles returns a files service over a fresh folder, closed when the
// test ends (after the server, whose cleanup is registered later).
func newFiles(t testing.TB) (*filesrv.Service, string) {
	t.Helper()
	root := t.TempDir()
	return newFilesIn(t, root), root
}

// newFilesIn returns a files service over the folder root, closed when the
// test ends (after the server, whose cleanup is registered later).
func newFilesIn(t testing.TB, root string) *filesrv.Service {
	t.Helper()
	svc, err := filesrv.New(root, filesrv.Options{})
	if err != nil {
		t.Fatalf("files service: %v", err)
	}
	t.Cleanup(func() { svc.Close() })
	return svc
}

func startFiles(t testing.TB, m Model, cfg netlab.Config) (addr, root string) {
	addr, _, root = startFilesServer(t, m, cfg)
	return addr, root
}

func startFilesServer(t testing.TB, m Model, cfg netlab.Config) (string, netlab.Server, string) {
	t.Helper()
	svc, root := newFiles(t)
	addr, srv := Start(t, m, svc, cfg)
	return addr, srv, root
}

// filesPut uploads data as name on c and fails the test unless the server
// answers OK with the right size and SHA-256.
func filesPut(t testing.TB, c net.Conn, name string, data []byte) {
	t.Helper()
	if err := tryPut(c, name, data); err != nil {
		t.Fatal(err)
	}
}

// tryPut is filesPut for a goroutine other than the test's. The payload is
// written from a second goroutine, as a client must: the reply may come
// (an ERR) before the payload is all sent.
func tryPut(c net.Conn, name string, data []byte) error {
	werr := make(chan error, 1)
	go func() {
		_, err := fmt.Fprintf(c, "PUT %s %d\n%s", name, len(data), data)
		werr <- err
	}()
	reply, err := readLine(c)
	if err := <-werr; err != nil {
		return fmt.Errorf("PUT %s: write: %w", name, err)
	}
	if want := fmt.Sprintf("OK %d %s", len(data), netlabtest.SHA256(data)); err != nil || reply != want {
		return fmt.Errorf("PUT %s: got %q (%v), want %q", name, reply, err, want)
	}
	return nil
}

// tryGet sends GET name [off] on c and returns the bytes that follow OK.
func tryGet(c net.Conn, name string, off int) ([]byte, error) {
	if off > 0 {
		fmt.Fprintf(c, "GET %s %d\n", name, off)
	} else {
		fmt.Fprintf(c, "GET %s\n", name)
	}
	reply, err := readLine(c)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", name, err)
	}
	var n int
	if _, err := fmt.Sscanf(reply, "OK %d", &n); err != nil {
		return nil, fmt.Errorf("GET %s: got %q", name, reply)
	}
	got := make([]byte, n)
	if _, err := io.ReadFull(c, got); err != nil {
		return nil, fmt.Errorf("GET %s: read %d bytes: %w", name, n, err)
	}
	return got, nil
}

// readLine reads one line a byte at a time, without its LF, so that no
// byte after it is consumed: a GET's payload follows directly.
func readLine(c net.Conn) (string, error) {
	var line []byte
	b := make([]byte, 1)
	for len(line) <= filesrv.MaxLine {
		if _, err := io.ReadFull(c, b); err != nil {
			return string(line), err
		}
		if b[0] == '\n' {
			return string(line), nil
		}
		line = append(line, b[0])
	}
	return string(line), errors.New("reply line too long")
}
