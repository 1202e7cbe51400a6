package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/vbauerster/mpb/v8"

	"github.com/netlab-go/netlab/filesrv"
	"github.com/netlab-go/netlab/internal/models"
	"github.com/stretchr/testify/require"
)

// startFilesServer serves a fresh folder on the reference model through
// the same table `netlab serve -service files` uses, with a 1 MiB upload
// limit.
func startFilesServer(t *testing.T) (addr, root string) {
	t.Helper()
	root = t.TempDir()
	var said bytes.Buffer
	addr = startService(t, "files", models.Flags{Root: root, MaxUpload: 1 << 20, Say: &said})
	assert.Equal(t, "serving files from "+root+"\n", said.String(), "the service names its folder")
	return addr, root
}

// netlabFiles runs `netlab files -addr addr args...` and returns its
// standard output and error.
func netlabFiles(t *testing.T, addr string, args ...string) (string, string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(t.Context(), append([]string{"files", "-addr", addr}, args...), strings.NewReader(""), &stdout, &stderr)
	return stdout.String(), stderr.String(), err
}

func TestFilesCommand(t *testing.T) {
	addr, root := startFilesServer(t)
	local := t.TempDir()
	one := bytes.Repeat([]byte("first file\n"), 20000)
	two := bytes.Repeat([]byte{0, 1, 2, 3, 255}, 30000)
	os.WriteFile(filepath.Join(local, "one.txt"), one, 0o644)
	os.WriteFile(filepath.Join(local, "two.bin"), two, 0o644)

	t.Run("put uploads several files at once and verifies each", func(t *testing.T) {
		out, bars, err := netlabFiles(t, addr, "put", filepath.Join(local, "one.txt"), filepath.Join(local, "two.bin"))
		require.NoError(t, err, "%v\n%s", err, bars)
		assert.EqualValues(t, 2, strings.Count(out, "verified\n"), "output %q, want a verified line for each file", out)
		assert.True(t, strings.Contains(out, "one.txt"), "output %q, want a verified line for each file", out)
		assert.True(t, strings.Contains(out, "two.bin"), "output %q, want a verified line for each file", out)
		for name, want := range map[string][]byte{"one.txt": one, "two.bin": two} {
			if got, _ := os.ReadFile(filepath.Join(root, name)); !bytes.Equal(got, want) {
				t.Errorf("server's %s differs from the local file", name)
			}
		}
	})

	t.Run("each transfer has its own progress bar", func(t *testing.T) {
		c, err := filesrv.Dial(t.Context(), addr)
		require.NoError(t, err)
		defer c.Close()
		var bars, out bytes.Buffer
		jobs := []transferJob{getJob(c, "one.txt", t.TempDir()), putJob(c, filepath.Join(local, "two.bin"))}
		// Standard error is no terminal here: make mpb draw anyway.
		require.NoError(t, runTransfers(t.Context(), jobs, &bars, &out, mpb.WithAutoRefresh(), mpb.WithWidth(100)))
		for _, label := range []string{"get one.txt", "put two.bin"} {
			assert.True(t, strings.Contains(bars.String(), label), "no bar for %s in %q", label, bars.String())
		}
		assert.False(t, strings.Count(bars.String(), "verified") < 2, "bars %q, want each to end verified", bars.String())
	})

	t.Run("ls lists the files with their sizes", func(t *testing.T) {
		out, _, err := netlabFiles(t, addr, "ls")
		require.NoError(t, err)
		want := "        220000  one.txt\n        150000  two.bin\n2 files, 370000 bytes\n"
		assert.Equal(t, want, out, "ls printed %q, want %q", out, want)
	})

	t.Run("hash prints sums as sha256sum does", func(t *testing.T) {
		out, _, err := netlabFiles(t, addr, "hash", "one.txt")
		require.NoError(t, err)
		if want := sha(one) + "  one.txt\n"; out != want {
			t.Errorf("hash printed %q, want %q", out, want)
		}
	})

	t.Run("get downloads several files at once and verifies each", func(t *testing.T) {
		into := t.TempDir()
		out, _, err := netlabFiles(t, addr, "-q", "-dir", into, "get", "one.txt", "two.bin")
		require.NoError(t, err)
		assert.False(t, strings.Count(out, "verified\n") != 2, "output %q, want two verified lines", out)
		for name, want := range map[string][]byte{"one.txt": one, "two.bin": two} {
			if got, _ := os.ReadFile(filepath.Join(into, name)); !bytes.Equal(got, want) {
				t.Errorf("downloaded %s differs", name)
			}
		}
	})

	t.Run("get resumes a partial local file", func(t *testing.T) {
		into := t.TempDir()
		os.WriteFile(filepath.Join(into, "one.txt"), one[:1000], 0o644)
		out, _, err := netlabFiles(t, addr, "-q", "-dir", into, "get", "one.txt")
		require.NoError(t, err)
		assert.True(t, strings.Contains(out, "resumed at 1000"), "output %q, want it to say it resumed at 1000 and verified", out)
		assert.True(t, strings.Contains(out, "verified"), "output %q, want it to say it resumed at 1000 and verified", out)
		if got, _ := os.ReadFile(filepath.Join(into, "one.txt")); !bytes.Equal(got, one) {
			t.Error("resumed file differs")
		}
	})

	t.Run("failures are reported and the other transfers still run", func(t *testing.T) {
		into := t.TempDir()
		out, _, err := netlabFiles(t, addr, "-q", "-dir", into, "get", "missing", "one.txt", "../escape")
		assert.True(t, errors.Is(err, filesrv.ErrNotFound), "error %v, want not found and invalid name", err)
		assert.True(t, errors.Is(err, filesrv.ErrInvalidName), "error %v, want not found and invalid name", err)
		assert.True(t, strings.Contains(out, "one.txt"), "output %q, want the good transfer reported", out)
	})

	t.Run("an upload over the server's maximum is refused", func(t *testing.T) {
		big := filepath.Join(local, "big")
		os.WriteFile(big, make([]byte, 2<<20), 0o644)
		if _, _, err := netlabFiles(t, addr, "-q", "put", big); !errors.Is(err, filesrv.ErrTooLarge) {
			t.Errorf("error %v, want ErrTooLarge", err)
		}
	})

	t.Run("bad usage says what to do", func(t *testing.T) {
		for _, args := range [][]string{{}, {"rm", "x"}, {"get"}, {"ls", "x"}} {
			if _, _, err := netlabFiles(t, addr, args...); err == nil {
				t.Errorf("files %v succeeded", args)
			}
		}
	})
}

func sha(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}
