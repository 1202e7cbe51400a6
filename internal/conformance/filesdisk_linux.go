//go:build linux

package conformance

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/netlabtest"
)

// FilesOnDisk holds model m to the settled details of docs/protocols.md
// that need a folder prepared on disk, or a disk that misbehaves, and so
// cannot be golden transcripts (those are in
// netlabtest/testdata/files/settled.txt): a file rewritten in place,
// symlinks, names LIST must not show, uploads cut short by the client or a
// shutdown, a file that shrinks mid-GET, a full disk and a process out of
// descriptors. Every client is a raw TCP connection, a [filesPeer].
//
// It starves this whole process of descriptors for a moment, so no test
// may run in parallel with it; the full disk is a 1 MiB tmpfs, which needs
// root (the case skips without it).
func FilesOnDisk(t *testing.T, m Model) {
	t.Run("HASH describes the bytes on disk after a rewrite that keeps size and mtime", func(t *testing.T) {
		root := t.TempDir()
		addr := startFilesIn(t, m, root)
		path := filepath.Join(root, "doc")
		before, after := strings.Repeat("a", 4096), strings.Repeat("b", 4096)
		require.NoError(t, os.WriteFile(path, []byte(before), 0o644))
		mtime := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
		require.NoError(t, os.Chtimes(path, mtime, mtime))

		c := dialFiles(t, addr)
		assert.Equal(t, "OK "+netlabtest.SHA256(before), c.ask("HASH doc"))

		// What cp -p, touch -r and rsync -t do: new bytes, in place,
		// the old size and mtime.
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		require.NoError(t, err)
		_, err = f.WriteAt([]byte(after), 0)
		require.NoError(t, err)
		require.NoError(t, f.Close())
		require.NoError(t, os.Chtimes(path, mtime, mtime))
		fi, err := os.Stat(path)
		require.NoError(t, err)
		require.True(t, fi.ModTime().Equal(mtime), "the rewrite kept the mtime")

		assert.Equal(t, "OK "+netlabtest.SHA256(after), c.ask("HASH doc"), "on the same connection")
		c.quit()
		assert.Equal(t, "OK "+netlabtest.SHA256(after), dialFiles(t, addr).ask("HASH doc"), "on a new connection")
	})

	t.Run("HASH right after a PUT and an in-place rewrite describes the rewrite", func(t *testing.T) {
		root := t.TempDir()
		addr := startFilesIn(t, m, root)
		c := dialFiles(t, addr)
		c.send("PUT up 5\nfirst")
		assert.Equal(t, "OK 5 "+netlabtest.SHA256("first"), c.line())
		assert.Equal(t, "OK "+netlabtest.SHA256("first"), c.ask("HASH up"))
		path := filepath.Join(root, "up")
		fi, err := os.Stat(path)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(path, []byte("other"), 0))
		require.NoError(t, os.Chtimes(path, fi.ModTime(), fi.ModTime()))
		assert.Equal(t, "OK "+netlabtest.SHA256("other"), c.ask("HASH up"))
	})

	t.Run("a symlink inside the root is served and listed like its target", func(t *testing.T) {
		root := t.TempDir()
		require.NoError(t, os.WriteFile(filepath.Join(root, "real"), []byte("target\n"), 0o644))
		require.NoError(t, os.Symlink("real", filepath.Join(root, "alias")))
		require.NoError(t, os.Mkdir(filepath.Join(root, "folder"), 0o755))
		require.NoError(t, os.Symlink("folder", filepath.Join(root, "to-folder")))
		require.NoError(t, os.Symlink(filepath.Join(t.TempDir(), "gone"), filepath.Join(root, "dangling")))
		addr := startFilesIn(t, m, root)

		c := dialFiles(t, addr)
		assert.Equal(t, []string{"OK 2", "7 alias", "7 real"}, c.list())
		assert.Equal(t, "OK 7", c.ask("GET alias"))
		assert.Equal(t, "target\n", string(c.body(7)))
		assert.Equal(t, "OK "+netlabtest.SHA256("target\n"), c.ask("HASH alias"))
		assert.Equal(t, "ERR not found", c.ask("GET to-folder"), "a symlink to a folder is not a file")
		assert.Equal(t, "ERR not found", c.ask("GET dangling"))
	})

	t.Run("a PUT onto a symlink's name replaces the link and never writes through it", func(t *testing.T) {
		root := t.TempDir()
		require.NoError(t, os.WriteFile(filepath.Join(root, "real"), []byte("target\n"), 0o644))
		require.NoError(t, os.Symlink("real", filepath.Join(root, "alias")))
		addr := startFilesIn(t, m, root)

		c := dialFiles(t, addr)
		c.send("PUT alias 4\nnew\n")
		assert.Equal(t, "OK 4 "+netlabtest.SHA256("new\n"), c.line())
		fi, err := os.Lstat(filepath.Join(root, "alias"))
		require.NoError(t, err)
		assert.True(t, fi.Mode().IsRegular(), "alias is now a file of its own, not %v", fi.Mode())
		got, err := os.ReadFile(filepath.Join(root, "real"))
		require.NoError(t, err)
		assert.Equal(t, "target\n", string(got), "the link's target is untouched")
		assert.Equal(t, []string{"OK 2", "4 alias", "7 real"}, c.list())
	})

	t.Run("LIST shows only regular files whose names a client could ask for", func(t *testing.T) {
		root := t.TempDir()
		for _, name := range []string{"a b.txt", ".hidden", "tab\there", "ok"} {
			require.NoError(t, os.WriteFile(filepath.Join(root, name), []byte("x"), 0o644))
		}
		require.NoError(t, os.Mkdir(filepath.Join(root, "folder"), 0o755))
		require.NoError(t, syscall.Mkfifo(filepath.Join(root, "fifo"), 0o644))
		addr := startFilesIn(t, m, root)

		c := dialFiles(t, addr)
		assert.Equal(t, []string{"OK 1", "1 ok"}, c.list())
		assert.Equal(t, "ERR not found", c.ask("GET fifo"), "a FIFO is not a regular file")
		assert.Equal(t, "ERR not found", c.ask("GET folder"))
	})

	t.Run("a PUT onto a folder's name is ERR invalid name and closes the connection", func(t *testing.T) {
		root := t.TempDir()
		require.NoError(t, os.Mkdir(filepath.Join(root, "folder"), 0o755))
		addr := startFilesIn(t, m, root)

		c := dialFiles(t, addr)
		c.send("PUT folder 3\nabc")
		assert.Equal(t, "ERR invalid name", c.line())
		c.eof()
		fi, err := os.Lstat(filepath.Join(root, "folder"))
		require.NoError(t, err)
		assert.True(t, fi.IsDir(), "the folder is still a folder")
		assert.Empty(t, netlabtest.HiddenFiles(t, root))
	})

	for _, how := range []string{"closes", "half-closes"} {
		t.Run("a PUT whose client "+how+" early gets no answer and leaves nothing", func(t *testing.T) {
			root := t.TempDir()
			addr := startFilesIn(t, m, root)
			c := dialFiles(t, addr)
			c.send("PUT part 1000\n" + strings.Repeat("x", 500))
			waitUntil(t, "the upload to start", func() bool { return len(netlabtest.HiddenFiles(t, root)) == 1 })
			if how == "closes" {
				c.c.Close()
			} else {
				require.NoError(t, c.c.CloseWrite())
				c.eof()
			}
			waitUntil(t, "the temporary file to go", func() bool { return len(netlabtest.HiddenFiles(t, root)) == 0 })
			_, err := os.Lstat(filepath.Join(root, "part"))
			assert.ErrorIs(t, err, os.ErrNotExist)
		})
	}

	t.Run("an upload cut short by a shutdown leaves no temporary file once the server has exited", func(t *testing.T) {
		root := t.TempDir()
		srv, err := m.New(newFilesIn(t, root), netlab.Config{})
		if errors.Is(err, netlab.ErrUnsupported) {
			t.Skipf("%s: %v", m.Name, err)
		}
		require.NoError(t, err)
		l, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		served := make(chan error, 1)
		go func() { served <- srv.Serve(l) }()

		c := dialFiles(t, l.Addr().String())
		c.send("PUT part 1000\n" + strings.Repeat("x", 500))
		waitUntil(t, "the upload to start", func() bool { return len(netlabtest.HiddenFiles(t, root)) == 1 })
		ctx, cancel := context.WithCancel(t.Context())
		cancel() // no grace: the upload is cut short
		srv.Shutdown(ctx)
		assert.ErrorIs(t, <-served, netlab.ErrServerClosed)
		assert.Empty(t, netlabtest.HiddenFiles(t, root), "right after the server has exited")
		_, err = os.Lstat(filepath.Join(root, "part"))
		assert.ErrorIs(t, err, os.ErrNotExist)
	})

	t.Run("a GET whose file shrinks mid-send ends with the connection closed early", func(t *testing.T) {
		root := t.TempDir()
		path := filepath.Join(root, "big")
		const size = 64 << 20 // far more than loopback's socket buffers hold
		require.NoError(t, os.WriteFile(path, nil, 0o644))
		require.NoError(t, os.Truncate(path, size)) // sparse: no disk used
		addr := startFilesIn(t, m, root)

		c := dialFiles(t, addr)
		assert.Equal(t, fmt.Sprint("OK ", size), c.ask("GET big"))
		c.body(1) // the transfer is under way
		require.NoError(t, os.Truncate(path, 1000))
		n, err := io.Copy(io.Discard, c.r)
		require.True(t, err == nil || netlabtest.IsReset(err), "reading to the end: %v", err)
		assert.Less(t, n+1, int64(size), "the body is short")
	})

	t.Run("a PUT onto a full disk is ERR no space and leaves nothing", func(t *testing.T) {
		root := mountSmallTmpfs(t, "1m")
		addr := startFilesIn(t, m, root)

		c := dialFiles(t, addr)
		conn := c.c
		wrote := make(chan struct{})
		go func() {
			defer close(wrote)
			// A client that does not wait for the reply; stops
			// when the server closes.
			fmt.Fprintf(conn, "PUT huge %d\n", 4<<20)
			conn.Write(make([]byte, 4<<20))
		}()
		assert.Equal(t, "ERR no space", c.line())
		c.eof()
		conn.Close() // the writer, if still writing, fails now
		<-wrote
		waitUntil(t, "the partial upload to be removed", func() bool {
			entries, err := os.ReadDir(root)
			return err == nil && len(entries) == 0
		})

		// The space is free again: a small upload fits.
		c = dialFiles(t, addr)
		c.send("PUT small 2\nok")
		assert.Equal(t, "OK 2 "+netlabtest.SHA256("ok"), c.line())
	})

	t.Run("out of file descriptors the server answers ERR busy and recovers", func(t *testing.T) {
		if m.OwnService {
			t.Skip("a multiprocess child has its own descriptor table, out of this test's reach; " +
				"filesrv's TestOutOfDescriptors covers the service it runs")
		}
		root := t.TempDir()
		require.NoError(t, os.WriteFile(filepath.Join(root, "f"), []byte("data"), 0o644))
		addr := startFilesIn(t, m, root)
		c := dialFiles(t, addr)
		assert.Equal(t, []string{"OK 1", "4 f"}, c.list(), "the session is running")

		netlabtest.ExhaustDescriptors(t, func() {
			assert.Equal(t, "ERR busy", c.ask("GET f"))
			assert.Equal(t, "ERR busy", c.ask("HASH f"))
			assert.Equal(t, "ERR busy", c.ask("LIST"))
			c.send("PUT g 3\nabc")
			assert.Equal(t, "ERR busy", c.line())
			c.eof()
		})

		c = dialFiles(t, addr)
		assert.Equal(t, "OK 4", c.ask("GET f"))
		assert.Equal(t, "data", string(c.body(4)))
		assert.Empty(t, netlabtest.HiddenFiles(t, root))
	})
}

// startFilesIn serves the folder root with a files service under model m.
func startFilesIn(t *testing.T, m Model, root string) string {
	t.Helper()
	addr, _ := Start(t, m, newFilesIn(t, root), netlab.Config{})
	return addr
}

// mountSmallTmpfs mounts a tmpfs of the given size on a fresh folder and
// unmounts it when the test ends, or skips the test where mounting is not
// allowed (not root, or in a container without CAP_SYS_ADMIN).
func mountSmallTmpfs(t *testing.T, size string) string {
	t.Helper()
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size="+size); err != nil {
		t.Skipf("cannot mount a tmpfs of %s on %s (%v): this needs root; "+
			"filesrv's TestPutOnAFullDisk covers ERR no space with an injected ENOSPC", size, dir, err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, syscall.MNT_DETACH); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	return dir
}

// waitUntil polls cond for up to a second: docs/protocols.md promises that
// an aborted upload leaves nothing behind within a second, so the bound is
// the promise, not a guess at how long the machine takes.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	require.Eventually(t, cond, time.Second, time.Millisecond, "waiting for %s", what)
}
