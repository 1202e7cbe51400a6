package filesrv

import (
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netlab-go/netlab/netlabtest"
)

// fullDisk is a writer that accepts room bytes and then fails the way a
// full file system does: the part that fit is written, then the error.
type fullDisk struct {
	f     *os.File
	room  int
	errno syscall.Errno
}

func (d *fullDisk) Write(p []byte) (int, error) {
	if len(p) <= d.room {
		d.room -= len(p)
		return d.f.Write(p)
	}
	n, err := d.f.Write(p[:d.room])
	d.room -= n
	if err == nil {
		err = &fs.PathError{Op: "write", Path: d.f.Name(), Err: d.errno}
	}
	return n, err
}

// TestPutOnAFullDisk is the fault-injecting half of the full-disk case:
// the root package's TestFilesSettledDetails fills a real tmpfs where it may
// mount one; this runs everywhere.
func TestPutOnAFullDisk(t *testing.T) {
	for _, tc := range []struct {
		errno syscall.Errno
		reply string
	}{
		{syscall.ENOSPC, "ERR no space\n"},
		{syscall.EDQUOT, "ERR no space\n"},
		{syscall.EFBIG, "ERR too large\n"},
	} {
		t.Run("a write failing with "+tc.errno.Error()+" is answered "+strings.TrimSpace(tc.reply)+" and leaves nothing", func(t *testing.T) {
			svc, dir := newTestService(t, Options{}, map[string]string{"keep": "old"})
			svc.uploadWriter = func(f *os.File) io.Writer { return &fullDisk{f: f, room: 100, errno: tc.errno} }
			c := netlabtest.NewConn()
			s := svc.Open(c)
			s.Data([]byte("PUT keep 1000\n"))
			for range 10 {
				s.Data([]byte(strings.Repeat("x", 100)))
			}
			s.Closed(nil)
			assert.Equal(t, tc.reply, c.String())
			assert.True(t, c.Closed(), "the connection is closed after an ERR to a PUT")
			require.Equal(t, []string{"keep"}, netlabtest.FileNames(t, dir), "only the old file is left")
			got, err := os.ReadFile(filepath.Join(dir, "keep"))
			require.NoError(t, err)
			assert.Equal(t, "old", string(got), "the old file is untouched")
		})
	}
}

// TestOutOfDescriptors runs the service with every descriptor of the
// process taken. The root package's TestFilesSettledDetails does the same
// through a socket on every model that runs the service in this process.
func TestOutOfDescriptors(t *testing.T) {
	svc, dir := newTestService(t, Options{}, map[string]string{"f": "data"})
	c := netlabtest.NewConn()
	s := svc.Open(c)
	netlabtest.ExhaustDescriptors(t, func() {
		for _, line := range []string{"GET f", "HASH f", "LIST", "GET f 2"} {
			s.Data([]byte(line + "\n"))
			assert.Equal(t, "ERR busy\n", c.String(), line)
			c.Take()
		}
		s.Data([]byte("PUT g 3\nabc"))
		assert.Equal(t, "ERR busy\n", c.String(), "PUT")
		assert.True(t, c.Closed(), "the connection is closed after an ERR to a PUT")
	})

	c = netlabtest.NewConn()
	svc.Open(c).Data([]byte("GET f\n"))
	assert.Equal(t, "OK 4\ndata", c.String(), "served again once descriptors are free")
	assert.Equal(t, []string{"f"}, netlabtest.FileNames(t, dir), "the refused PUT left nothing")
}

// TestHashCache shows what the checksum cache trusts: the same inode,
// size, modification time and change time, and only for a version that was
// older than racyWindow when its bytes were read.
func TestHashCache(t *testing.T) {
	hash := func(svc *Service, name string) string {
		c := netlabtest.NewConn()
		svc.Open(c).Data([]byte("HASH " + name + "\n"))
		return c.String()
	}
	const realSum = "OK ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n" // "abc"

	t.Run("a file changed within the racy window is hashed but not cached", func(t *testing.T) {
		svc, _ := newTestService(t, Options{}, map[string]string{"f": "abc"})
		assert.Equal(t, realSum, hash(svc, "f"))
		assert.Empty(t, svc.sums)
	})

	t.Run("an upload's checksum is not cached", func(t *testing.T) {
		svc, _ := newTestService(t, Options{}, nil)
		c := netlabtest.NewConn()
		svc.Open(c).Data([]byte("PUT f 3\nabc"))
		require.Equal(t, "OK 3 "+netlabtest.SHA256("abc")+"\n", c.String())
		assert.Empty(t, svc.sums)
	})

	// The next two plant an entry as sum would have made it for a file
	// last changed long before it was hashed, with a checksum no file has.
	plant := func(t *testing.T, svc *Service, dir string, ctimeShift time.Duration) {
		t.Helper()
		fi, err := os.Stat(filepath.Join(dir, "f"))
		require.NoError(t, err)
		ctime, ok := changeTime(fi)
		if !ok {
			t.Skip("no change time on this system: nothing is cached")
		}
		svc.remember("f", sumEntry{fi: fi, ctime: ctime.Add(ctimeShift), sum: "planted"})
	}

	t.Run("a cached checksum is used while nothing about the file changed", func(t *testing.T) {
		svc, dir := newTestService(t, Options{}, map[string]string{"f": "abc"})
		plant(t, svc, dir, 0)
		assert.Equal(t, "OK planted\n", hash(svc, "f"))
	})

	t.Run("a cached checksum is not used once the change time moved", func(t *testing.T) {
		svc, dir := newTestService(t, Options{}, map[string]string{"f": "abc"})
		plant(t, svc, dir, -time.Nanosecond)
		assert.Equal(t, realSum, hash(svc, "f"))
	})
}

// TestCloseSweepsUploadsCutShort shows the sweep Close makes: a temporary
// file whose process died goes, one a running upload holds stays.
func TestCloseSweepsUploadsCutShort(t *testing.T) {
	dir := t.TempDir()
	svc, err := New(dir, Options{})
	require.NoError(t, err)
	dead := filepath.Join(dir, tempPrefix+"dead")
	require.NoError(t, os.WriteFile(dead, []byte("half"), 0o644))
	held := filepath.Join(dir, tempPrefix+"held")
	f, err := os.Create(held)
	require.NoError(t, err)
	defer f.Close()
	require.NoError(t, lock(f))

	require.NoError(t, svc.Close())
	_, err = os.Lstat(dead)
	assert.ErrorIs(t, err, os.ErrNotExist, "the upload nobody holds is removed")
	_, err = os.Lstat(held)
	assert.NoError(t, err, "the upload still running is left alone")
}
