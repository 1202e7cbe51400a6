package filesrv_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/filesrv"
	"github.com/netlab-go/netlab/netlabtest"
)

// secret is what the sentinel folder outside the root holds. No reply may
// ever contain it.
const secret = "TOP-SECRET sentinel outside the root\n"

// sentinel makes a folder beside the served one with a secret file in it,
// and returns its path and a function that fails the test if anything in it
// changed.
func sentinel(t *testing.T) (string, func()) {
	t.Helper()
	outside := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(outside, "secret"), []byte(secret), 0o644))
	before := snapshot(t, outside)
	return outside, func() {
		t.Helper()
		if after := snapshot(t, outside); after != before {
			t.Errorf("the folder outside the root changed:\nbefore: %s\nafter:  %s", before, after)
		}
	}
}

// snapshot describes every file under dir: name, type, size and content.
func snapshot(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		content, _ := os.ReadFile(path)
		fmt.Fprintf(&b, "%s %v %s; ", strings.TrimPrefix(path, dir), d.Type(), netlabtest.SHA256(content)[:8])
		return nil
	})
	return b.String()
}

// TestTraversal throws the catalogue of path tricks at every command. Each
// is refused, nothing outside the root is read or written, and the secret
// never appears on the wire.
func TestTraversal(t *testing.T) {
	addr, dir := serve(t, filesrv.Options{}, netlab.Config{})
	outside, unchanged := sentinel(t)
	defer unchanged()
	rel, _ := filepath.Rel(dir, filepath.Join(outside, "secret"))
	relDir, _ := filepath.Rel(dir, outside)
	os.Symlink(rel, filepath.Join(dir, "escape-relative"))
	os.Symlink(filepath.Join(outside, "secret"), filepath.Join(dir, "escape-absolute"))
	os.Symlink(relDir, filepath.Join(dir, "escape-folder"))
	os.Symlink("escape-relative", filepath.Join(dir, "escape-chain"))
	os.WriteFile(filepath.Join(dir, "inside"), []byte("fine"), 0o644)
	os.Symlink("inside", filepath.Join(dir, "link-inside"))

	invalid := []string{
		"..", ".", "../x", "../../../../etc/passwd", "/etc/passwd", "a/b", "escape-folder/secret",
		`..\x`, `a\b`, `C:\Windows`, "a\x00b", "secret\x00.txt", "a\x01", "a\x1b[2J", "a\x7f",
		"a\u0085", "a\u009b", "\xff\xfe", "\xc0\xae\xc0\xae", ".netlab-upload-x",
		strings.Repeat("n", 300), strings.Repeat("../", 100) + "etc/passwd",
	}
	notFound := []string{"escape-relative", "escape-absolute", "escape-chain", "escape-folder", "missing"}

	c := netlabtest.Dial(t, addr)
	r := bufio.NewReader(c)
	ask := func(line, want string) {
		t.Helper()
		fmt.Fprintf(c, "%s\n", line)
		got, err := r.ReadString('\n')
		require.NoError(t, err, "%q: got %q (%v), want %q", line, got, err, want)
		require.Equal(t, want, got, "%q: got %q (%v), want %q", line, got, err, want)
	}
	for _, name := range invalid {
		t.Run(fmt.Sprintf("%q is an invalid name", name), func(t *testing.T) {
			require.False(t, len(name)+10 > filesrv.MaxLine, "bad test name %q", name)
			require.False(t, strings.ContainsAny(name, "\n "), "bad test name %q", name)
			ask("GET "+name, "ERR invalid name\n")
			ask("GET "+name+" 1", "ERR invalid name\n")
			ask("HASH "+name, "ERR invalid name\n")
			// An ERR to PUT closes, so each PUT gets its own connection.
			p := netlabtest.Dial(t, addr)
			fmt.Fprintf(p, "PUT %s 6\npwned!", name)
			got, _ := io.ReadAll(p)
			require.Equal(t, "ERR invalid name\n", string(got), "PUT %q: got %q, want ERR invalid name and a close", name, got)
		})
	}
	for _, name := range notFound {
		t.Run(fmt.Sprintf("%s is not found", name), func(t *testing.T) {
			ask("GET "+name, "ERR not found\n")
			ask("HASH "+name, "ERR not found\n")
		})
	}
	t.Run("a symlink inside the root is followed", func(t *testing.T) {
		ask("GET link-inside", "OK 4\n")
		got := make([]byte, 4)
		io.ReadFull(r, got)
		require.Equal(t, "fine", string(got), "got %q", got)
	})
	t.Run("LIST shows neither escaping links nor secrets", func(t *testing.T) {
		fmt.Fprintf(c, "LIST\n")
		head, _ := r.ReadString('\n')
		require.Equal(t, "OK 2\n", head, "LIST = %q, want OK 2 (inside, link-inside)", head)
		r.ReadString('\n')
		r.ReadString('\n')
	})
	t.Run("PUT onto an escaping symlink replaces the link, not its target", func(t *testing.T) {
		p := netlabtest.Dial(t, addr)
		fmt.Fprintf(p, "PUT escape-absolute 6\nsafe!\n")
		line, err := bufio.NewReader(p).ReadString('\n')
		require.NoError(t, err, "got %q (%v)", line, err)
		require.True(t, strings.HasPrefix(line, "OK 6 "), "got %q (%v)", line, err)
		fi, err := os.Lstat(filepath.Join(dir, "escape-absolute"))
		require.NoError(t, err, "escape-absolute is %v (%v), want a regular file inside the root", fi.Mode(), err)
		require.True(t, fi.Mode().IsRegular(), "escape-absolute is %v (%v), want a regular file inside the root", fi.Mode(), err)
	})
}

// TestSymlinkSwap replaces a file by a symlink leading outside while a
// transfer of it is running. The running transfer is unaffected (it holds
// the file open, or writes its own temporary file); what comes after sees
// the link and refuses it.
func TestSymlinkSwap(t *testing.T) {
	swap := func(t *testing.T, dir, name, target string) {
		t.Helper()
		tmp := filepath.Join(dir, "swap-tmp")
		require.NoError(t, os.Symlink(target, tmp))
		// rename(2) swaps atomically: there is no moment without the name.
		require.NoError(t, os.Rename(tmp, filepath.Join(dir, name)))
	}

	t.Run("during a download", func(t *testing.T) {
		addr, dir := serve(t, filesrv.Options{}, netlab.Config{})
		outside, unchanged := sentinel(t)
		defer unchanged()
		data := netlabtest.Pattern(8<<20, 6)
		os.WriteFile(filepath.Join(dir, "big"), data, 0o644)
		c := netlabtest.Dial(t, addr)
		r := bufio.NewReader(c)
		fmt.Fprintf(c, "GET big\n")
		if line, _ := r.ReadString('\n'); line != fmt.Sprintf("OK %d\n", len(data)) {
			t.Fatalf("GET big: %q", line)
		}
		got := make([]byte, len(data))
		io.ReadFull(r, got[:64<<10])
		swap(t, dir, "big", filepath.Join(outside, "secret"))
		if _, err := io.ReadFull(r, got[64<<10:]); err != nil {
			t.Fatal(err)
		}
		require.True(t, bytes.Equal(got, data), "the download changed when the name was swapped")
		fmt.Fprintf(c, "GET big\n")
		if line, _ := r.ReadString('\n'); line != "ERR not found\n" {
			t.Fatalf("GET of the swapped-in link: %q, want ERR not found", line)
		}
	})

	t.Run("during an upload", func(t *testing.T) {
		addr, dir := serve(t, filesrv.Options{}, netlab.Config{})
		outside, unchanged := sentinel(t)
		defer unchanged()
		os.WriteFile(filepath.Join(dir, "target"), []byte("old"), 0o644)
		data := netlabtest.Pattern(1<<20, 7)
		c := netlabtest.Dial(t, addr)
		fmt.Fprintf(c, "PUT target %d\n", len(data))
		c.Write(data[:len(data)/2])
		netlabtest.WaitFor(t, "the upload to start", func() bool { return len(netlabtest.HiddenFiles(t, dir)) == 1 })
		swap(t, dir, "target", filepath.Join(outside, "secret"))
		c.Write(data[len(data)/2:])
		line, err := bufio.NewReader(c).ReadString('\n')
		require.NoError(t, err, "PUT: %q (%v)", line, err)
		require.Equal(t, fmt.Sprintf("OK %d %s\n", len(data), netlabtest.SHA256(data)), line, "PUT: %q (%v)", line, err)
		assertContent(t, filepath.Join(dir, "target"), data)
		if fi, _ := os.Lstat(filepath.Join(dir, "target")); !fi.Mode().IsRegular() {
			t.Fatalf("target is %v, want the uploaded regular file", fi.Mode())
		}
	})
}
