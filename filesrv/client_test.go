package filesrv_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/filesrv"
	"github.com/netlab-go/netlab/netlabtest"
)

// TestClient runs every operation of the client against a real server.
func TestClient(t *testing.T) {
	t.Run("an upload can be listed, hashed and downloaded back", func(t *testing.T) {
		addr, dir := serve(t, filesrv.Options{}, netlab.Config{})
		c := dial(t, addr)
		data := netlabtest.Pattern(300<<10, 1)
		up, err := c.Upload(t.Context(), "blob", bytes.NewReader(data), int64(len(data)), filesrv.UploadOptions{})
		require.NoError(t, err, "upload = %+v, %v", up, err)
		require.True(t, up.Verified, "upload = %+v, %v", up, err)
		require.Equal(t, netlabtest.SHA256(data), up.SHA256, "upload = %+v, %v", up, err)
		assertContent(t, filepath.Join(dir, "blob"), data)
		list, err := c.List(t.Context())
		if err != nil || !slices.Equal(list, []filesrv.Entry{{Name: "blob", Size: int64(len(data))}}) {
			t.Fatalf("list = %v, %v", list, err)
		}
		sum, err := c.Hash(t.Context(), "blob")
		require.NoError(t, err, "hash = %s, %v; want %s", sum, err, netlabtest.SHA256(data))
		require.Equal(t, netlabtest.SHA256(data), sum, "hash = %s, %v; want %s", sum, err, netlabtest.SHA256(data))
		var got bytes.Buffer
		down, err := c.Download(t.Context(), "blob", &got, filesrv.DownloadOptions{})
		require.NoError(t, err, "download = %+v, %v (%d bytes)", down, err, got.Len())
		require.True(t, down.Verified, "download = %+v, %v (%d bytes)", down, err, got.Len())
		require.Equal(t, int64(len(data)), down.Size, "download = %+v, %v (%d bytes)", down, err, got.Len())
		require.True(t, bytes.Equal(got.Bytes(), data), "download = %+v, %v (%d bytes)", down, err, got.Len())
	})

	t.Run("server errors come back as their sentinels", func(t *testing.T) {
		addr, _ := serve(t, filesrv.Options{MaxUpload: 1 << 20}, netlab.Config{})
		c := dial(t, addr)
		ctx := t.Context()
		if _, err := c.Download(ctx, "missing", io.Discard, filesrv.DownloadOptions{}); !errors.Is(err, filesrv.ErrNotFound) {
			t.Errorf("download of a missing file: %v, want ErrNotFound", err)
		}
		if _, err := c.Hash(ctx, "missing"); !errors.Is(err, filesrv.ErrNotFound) {
			t.Errorf("hash of a missing file: %v, want ErrNotFound", err)
		}
		if _, err := c.Hash(ctx, "../x"); !errors.Is(err, filesrv.ErrInvalidName) {
			t.Errorf("hash of ../x: %v, want ErrInvalidName", err)
		}
		// The server refuses at once and closes; the client must stop
		// writing and report the refusal, not a broken pipe.
		big := int64(64 << 20)
		if _, err := c.Upload(ctx, "big", io.LimitReader(zeros{}, big), big, filesrv.UploadOptions{}); !errors.Is(err, filesrv.ErrTooLarge) {
			t.Errorf("upload over the maximum: %v, want ErrTooLarge", err)
		}
		c.Upload(ctx, "f", bytes.NewReader([]byte("abc")), 3, filesrv.UploadOptions{})
		if _, err := c.Download(ctx, "f", io.Discard, filesrv.DownloadOptions{Offset: 4, NoVerify: true}); !errors.Is(err, filesrv.ErrBadOffset) {
			t.Errorf("download past the end: %v, want ErrBadOffset", err)
		}
		// After all those errors the client still works.
		if _, err := c.List(ctx); err != nil {
			t.Errorf("list after errors: %v", err)
		}
	})

	t.Run("a reader that ends early stores nothing", func(t *testing.T) {
		addr, dir := serve(t, filesrv.Options{}, netlab.Config{})
		c := dial(t, addr)
		_, err := c.Upload(t.Context(), "short", bytes.NewReader([]byte("abc")), 10, filesrv.UploadOptions{})
		require.Error(t, err, "upload of 3 bytes announced as 10 succeeded")
		netlabtest.WaitFor(t, "the partial upload to be removed", func() bool { return len(netlabtest.HiddenFiles(t, dir)) == 0 })
		if _, err := os.Stat(filepath.Join(dir, "short")); !os.IsNotExist(err) {
			t.Errorf("short upload was stored (%v)", err)
		}
	})

	t.Run("progress counts up to the total", func(t *testing.T) {
		addr, _ := serve(t, filesrv.Options{}, netlab.Config{})
		c := dial(t, addr)
		data := netlabtest.Pattern(1<<20, 2)
		for _, dir := range []string{"up", "down"} {
			var last, total int64
			calls := 0
			progress := func(done, tot int64) {
				assert.False(t, done < last, "%s: progress went back from %d to %d", dir, last, done)
				last, total = done, tot
				calls++
			}
			var err error
			if dir == "up" {
				_, err = c.Upload(t.Context(), "p", bytes.NewReader(data), int64(len(data)), filesrv.UploadOptions{Progress: progress})
			} else {
				_, err = c.Download(t.Context(), "p", io.Discard, filesrv.DownloadOptions{Progress: progress})
			}
			require.NoError(t, err)
			assert.Equal(t, int64(len(data)), last, "%s: progress ended at %d of %d after %d calls, want %d of %d", dir, last, total, calls, len(data), len(data))
			assert.Equal(t, int64(len(data)), total, "%s: progress ended at %d of %d after %d calls, want %d of %d", dir, last, total, calls, len(data), len(data))
			assert.False(t, calls < 2, "%s: progress ended at %d of %d after %d calls, want %d of %d", dir, last, total, calls, len(data), len(data))
		}
	})

	t.Run("a cancelled context stops a download", func(t *testing.T) {
		addr, _ := serve(t, filesrv.Options{}, netlab.Config{})
		c := dial(t, addr)
		data := netlabtest.Pattern(4<<20, 3)
		c.Upload(t.Context(), "f", bytes.NewReader(data), int64(len(data)), filesrv.UploadOptions{})
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		w := &cancelAfter{n: 1 << 20, cancel: cancel}
		_, err := c.Download(ctx, "f", w, filesrv.DownloadOptions{})
		require.Error(t, err, "download went on after its context was cancelled")
		if _, err := c.List(t.Context()); err != nil {
			t.Errorf("list after a cancelled download: %v", err)
		}
	})
}

// TestResume checks that DownloadFile continues a partial local file and
// still verifies the whole, and that it starts over when the local bytes
// are not the start of the server's file.
func TestResume(t *testing.T) {
	addr, _ := serve(t, filesrv.Options{}, netlab.Config{})
	c := dial(t, addr)
	data := netlabtest.Pattern(1<<20+17, 4)
	if _, err := c.Upload(t.Context(), "r", bytes.NewReader(data), int64(len(data)), filesrv.UploadOptions{}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		local      []byte
		wantOffset int64
	}{
		{"no local file downloads everything", nil, 0},
		{"a partial file is resumed where it stops", data[:300<<10], 300 << 10},
		{"a complete file transfers nothing and is verified", data, int64(len(data))},
		{"a partial file with wrong bytes starts over", append([]byte("XXXX"), data[4:1000]...), 0},
		{"a local file longer than the server's starts over", append(slices.Clone(data), "extra"...), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "r")
			if tt.local != nil {
				os.WriteFile(path, tt.local, 0o644)
			}
			tr, err := c.DownloadFile(t.Context(), "r", path, nil)
			require.NoError(t, err)
			assert.True(t, tr.Verified, "transfer = %+v, want verified", tr)
			assert.Equal(t, tt.wantOffset, tr.Offset, "the transfer's offset")
			assert.Equal(t, int64(len(data)), tr.Size, "the transfer's size")
			assertContent(t, path, data)
		})
	}
}

// TestConcurrentTransfers runs four uploads and four downloads at once
// through one client: each on its own connection, each verified.
func TestConcurrentTransfers(t *testing.T) {
	addr, dir := serve(t, filesrv.Options{}, netlab.Config{})
	c := dial(t, addr)
	const n = 4
	var existing, fresh [n][]byte
	for i := range n {
		existing[i] = netlabtest.Pattern(1<<20+i, uint64(10+i))
		fresh[i] = netlabtest.Pattern(1<<20+100+i, uint64(20+i))
		if _, err := c.Upload(t.Context(), "old-"+strconv.Itoa(i), bytes.NewReader(existing[i]), int64(len(existing[i])), filesrv.UploadOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	for i := range n {
		wg.Go(func() {
			var got bytes.Buffer
			tr, err := c.Download(t.Context(), "old-"+strconv.Itoa(i), &got, filesrv.DownloadOptions{})
			if err == nil && (!tr.Verified || !bytes.Equal(got.Bytes(), existing[i])) {
				err = fmt.Errorf("download %d: got %d bytes, verified=%v", i, got.Len(), tr.Verified)
			}
			errs <- err
		})
		wg.Go(func() {
			_, err := c.Upload(t.Context(), "new-"+strconv.Itoa(i), bytes.NewReader(fresh[i]), int64(len(fresh[i])), filesrv.UploadOptions{})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		assert.NoError(t, err)
	}
	for i := range n {
		assertContent(t, filepath.Join(dir, "new-"+strconv.Itoa(i)), fresh[i])
	}
}

// TestSameNameRace uploads different contents to one name at once: every
// upload succeeds, and the file ends as exactly one of them.
func TestSameNameRace(t *testing.T) {
	addr, dir := serve(t, filesrv.Options{}, netlab.Config{})
	c := dial(t, addr)
	const n = 6
	contents := make([][]byte, n)
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		contents[i] = netlabtest.Pattern(256<<10+i*4096, uint64(30+i))
		wg.Go(func() {
			_, errs[i] = c.Upload(t.Context(), "same", bytes.NewReader(contents[i]), int64(len(contents[i])), filesrv.UploadOptions{})
		})
	}
	wg.Wait()
	for i, err := range errs {
		assert.NoError(t, err, "upload %d: %v", i, err)
	}
	got, err := os.ReadFile(filepath.Join(dir, "same"))
	require.NoError(t, err)
	if !slices.ContainsFunc(contents, func(b []byte) bool { return bytes.Equal(b, got) }) {
		t.Fatalf("the file is %d bytes that match none of the %d uploads: a mix", len(got), n)
	}
	if h := netlabtest.HiddenFiles(t, dir); len(h) > 0 {
		t.Errorf("left behind %v", h)
	}
}

// TestInterruptedUpload cuts a client off mid-upload and checks that the
// server removes the partial file and leaves the old version in place.
func TestInterruptedUpload(t *testing.T) {
	addr, dir := serve(t, filesrv.Options{}, netlab.Config{})
	os.WriteFile(filepath.Join(dir, "doc"), []byte("version 1"), 0o644)
	conn := netlabtest.Dial(t, addr)
	fmt.Fprintf(conn, "PUT doc %d\n", 10<<20)
	conn.Write(netlabtest.Pattern(100<<10, 5))
	netlabtest.WaitFor(t, "the upload's temporary file to appear", func() bool { return len(netlabtest.HiddenFiles(t, dir)) == 1 })
	conn.Close()
	netlabtest.WaitFor(t, "the temporary file to be removed", func() bool { return len(netlabtest.HiddenFiles(t, dir)) == 0 })
	assertContent(t, filepath.Join(dir, "doc"), []byte("version 1"))
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// cancelAfter cancels a context once n bytes were written to it.
type cancelAfter struct {
	n      int
	cancel func()
}

func (w *cancelAfter) Write(p []byte) (int, error) {
	w.n -= len(p)
	if w.n <= 0 {
		w.cancel()
	}
	return len(p), nil
}

// TestDownloadFileLeavesNoHalfFile checks that DownloadFile writes to a
// part file and renames it only once verified: a failure leaves the local
// path as it was, and an interruption keeps the part file to resume from.
func TestDownloadFileLeavesNoHalfFile(t *testing.T) {
	addr, _ := serve(t, filesrv.Options{}, netlab.Config{})
	c := dial(t, addr)
	data := netlabtest.Pattern(2<<20, 7)
	_, err := c.Upload(t.Context(), "big", bytes.NewReader(data), int64(len(data)), filesrv.UploadOptions{})
	require.NoError(t, err)

	t.Run("a file the server does not have leaves nothing behind", func(t *testing.T) {
		dir := t.TempDir()
		_, err := c.DownloadFile(t.Context(), "missing", filepath.Join(dir, "missing"), nil)
		require.ErrorIs(t, err, filesrv.ErrNotFound)
		assert.Empty(t, netlabtest.FileNames(t, dir), "files left in the download folder")
	})

	t.Run("a failed download leaves an existing local file untouched", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "missing")
		require.NoError(t, os.WriteFile(path, []byte("mine"), 0o644))
		_, err := c.DownloadFile(t.Context(), "missing", path, nil)
		require.ErrorIs(t, err, filesrv.ErrNotFound)
		assertContent(t, path, []byte("mine"))
		assert.NoFileExists(t, path+filesrv.PartSuffix)
	})

	t.Run("an interrupted download keeps its part file and the next call resumes it", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "big")
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		tr, err := c.DownloadFile(ctx, "big", path, func(done, total int64) {
			if done >= 512<<10 {
				cancel()
			}
		})
		require.ErrorIs(t, err, context.Canceled)
		assert.NoFileExists(t, path, "an unverified download took the final name")
		require.Equal(t, path+filesrv.PartSuffix, tr.Partial, "the transfer names its part file")
		fi, err := os.Stat(tr.Partial)
		require.NoError(t, err)
		require.Positive(t, fi.Size())

		tr, err = c.DownloadFile(t.Context(), "big", path, nil)
		require.NoError(t, err)
		assert.True(t, tr.Verified)
		assert.Equal(t, fi.Size(), tr.Offset, "the second call resumes where the first stopped")
		assertContent(t, path, data)
		assert.NoFileExists(t, path+filesrv.PartSuffix)
	})
}
