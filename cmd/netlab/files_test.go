package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

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
		jobs := []transferJob{getJob(c, addr, "one.txt", t.TempDir()), putJob(c, filepath.Join(local, "two.bin"))}
		// Standard error is no terminal here: make mpb draw anyway.
		require.NoError(t, runTransfers(t.Context(), jobs, &bars, &out, io.Discard, mpb.WithAutoRefresh(), mpb.WithWidth(100)))
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
		assert.Contains(t, out, "215 KiB, resumed at 1000 B, 214 KiB transferred in ", "output %q, want it to say it resumed at 1000 and verified", out)
		assert.True(t, strings.Contains(out, "verified"), "output %q, want it to say it resumed at 1000 and verified", out)
		if got, _ := os.ReadFile(filepath.Join(into, "one.txt")); !bytes.Equal(got, one) {
			t.Error("resumed file differs")
		}
	})

	t.Run("failures are reported and the other transfers still run", func(t *testing.T) {
		into := t.TempDir()
		out, errOut, err := netlabFiles(t, addr, "-q", "-dir", into, "get", "missing", "one.txt", "../escape")
		assert.True(t, errors.Is(err, filesrv.ErrNotFound), "error %v, want not found and invalid name", err)
		assert.True(t, errors.Is(err, filesrv.ErrInvalidName), "error %v, want not found and invalid name", err)
		assert.ErrorContains(t, err, "2 of 3 transfers failed")
		assert.True(t, strings.Contains(out, "one.txt"), "output %q, want the good transfer reported", out)
		assert.NotContains(t, out, "missing", "a failed transfer is not reported as verified")
		assert.Contains(t, errOut, "get missing: failed: not found\n")
		assert.Contains(t, errOut, "get ../escape: failed: invalid name\n")
		left, err := filepath.Glob(filepath.Join(into, "*")) // "*" matches dot files too
		require.NoError(t, err)
		assert.Equal(t, []string{filepath.Join(into, "one.txt")}, left, "a failed get leaves no local file")
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

func TestHumanSizes(t *testing.T) {
	for _, tt := range []struct {
		n    int64
		want string
	}{
		{0, "0 B"}, {12, "12 B"}, {1023, "1023 B"}, {1536, "1.5 KiB"},
		{420 << 20, "420 MiB"}, {100 << 20, "100 MiB"}, {5 << 30, "5.0 GiB"},
	} {
		assert.Equal(t, tt.want, humanSize(tt.n), "humanSize(%d)", tt.n)
	}
	assert.Equal(t, "190 MiB/s", byteRate(380<<20, 2*time.Second))
	assert.Equal(t, "2.1 s", humanDuration(2100*time.Millisecond))
	assert.Equal(t, "850 ms", humanDuration(850*time.Millisecond))
}

func TestTransferLines(t *testing.T) {
	t0 := time.Unix(1000, 0)
	t.Run("a resumed download's summary counts only the bytes that crossed the network", func(t *testing.T) {
		st := newTransferState("get big", t0)
		st.progress(100<<20, 500<<20)
		st.progress(500<<20, 500<<20)
		st.end(t0.Add(2100*time.Millisecond), nil)
		got := st.summary(filesrv.Transfer{Size: 500 << 20, Offset: 100 << 20, SHA256: "ab"}, "get big", "./big")
		assert.Equal(t, "get big -> ./big: 500 MiB, resumed at 100 MiB, 400 MiB transferred in 2.1 s (190 MiB/s), sha256 ab verified", got)
	})
	t.Run("a running transfer shows speed, ETA and elapsed time", func(t *testing.T) {
		st := newTransferState("get big", t0)
		st.progress(0, 400<<20)
		st.progress(100<<20, 400<<20)
		assert.Equal(t, "100 MiB / 400 MiB  50 MiB/s  ETA 6.0 s  elapsed 2.0 s", st.stats(t0.Add(2*time.Second)))
		assert.InDelta(t, 0.25, st.fraction(), 1e-9)
	})
	t.Run("an interrupted download says how to resume it", func(t *testing.T) {
		part := filepath.Join(t.TempDir(), "big.part")
		require.NoError(t, os.WriteFile(part, make([]byte, 3<<20), 0o644))
		got := failure("get big", "big", filesrv.Transfer{Partial: part}, fmt.Errorf("filesrv: download big: %w", context.Canceled), "run `netlab files get big`")
		assert.Equal(t, "get big: interrupted; 3.0 MiB kept in "+part+": run `netlab files get big` to resume", got)
	})
}
