package main

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netlab-go/netlab/filesrv"
)

// A shellDriver drives a files shell model the way Bubble Tea would, but
// on the test's goroutine: it feeds keys to Update and runs the commands
// that come back, feeding their messages in turn, so that a test sees
// every line the shell prints, in order.
type shellDriver struct {
	t       *testing.T
	m       *filesShell
	printed []string
	quit    bool
}

func newShellDriver(t *testing.T, addr, dir string) *shellDriver {
	c, err := filesrv.Dial(t.Context(), addr)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	d := &shellDriver{t: t, m: newFilesShell(t.Context(), c, addr, dir)}
	d.m.println = func(s string) tea.Cmd { d.printed = append(d.printed, s); return nil }
	d.m.tick = func() tea.Cmd { return nil }
	d.run(d.m.Init())
	return d
}

// run runs cmd and everything it leads to. A batch's commands run
// concurrently, as Bubble Tea runs them; their messages are then handled
// in the order the batch lists them.
func (d *shellDriver) run(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	msg := cmd()
	if msg == nil {
		return
	}
	if _, ok := msg.(tea.QuitMsg); ok {
		d.quit = true
		return
	}
	if v := reflect.ValueOf(msg); v.Kind() == reflect.Slice && v.Type().Elem() == reflect.TypeFor[tea.Cmd]() {
		// tea.BatchMsg, or the unexported message of tea.Sequence.
		cmds := make([]tea.Cmd, v.Len())
		for i := range cmds {
			cmds[i] = v.Index(i).Interface().(tea.Cmd)
		}
		if _, batch := msg.(tea.BatchMsg); batch {
			d.runConcurrently(cmds)
			return
		}
		for _, c := range cmds {
			d.run(c)
		}
		return
	}
	_, next := d.m.Update(msg)
	d.run(next)
}

func (d *shellDriver) runConcurrently(cmds []tea.Cmd) {
	msgs := make([]tea.Msg, len(cmds))
	var wg sync.WaitGroup
	for i, c := range cmds {
		if c != nil {
			wg.Go(func() { msgs[i] = c() })
		}
	}
	wg.Wait()
	for _, msg := range msgs {
		if msg != nil {
			d.run(func() tea.Msg { return msg })
		}
	}
}

// typeLine types line and presses Enter, but hands back the command that
// Enter led to rather than running it.
func (d *shellDriver) typeLine(line string) tea.Cmd {
	for _, r := range line {
		d.m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
	}
	_, cmd := d.m.Update(tea.KeyMsg{Type: tea.KeyEnter})
	return cmd
}

// enter types line, presses Enter and runs what it leads to.
func (d *shellDriver) enter(line string) {
	d.printed = nil
	d.run(d.typeLine(line))
}

func (d *shellDriver) output() string { return strings.Join(d.printed, "\n") }

// startShellServer serves a folder holding a.txt, b.txt and c.bin.
func startShellServer(t *testing.T) (addr string, files map[string][]byte) {
	addr, root := startFilesServer(t)
	files = map[string][]byte{
		"a.txt": []byte("alpha\n"),
		"b.txt": bytes.Repeat([]byte("bravo "), 1000),
		"c.bin": bytes.Repeat([]byte{0, 1, 2, 3}, 100000),
	}
	for name, data := range files {
		require.NoError(t, os.WriteFile(filepath.Join(root, name), data, 0o644))
	}
	return addr, files
}

func TestFilesShell(t *testing.T) {
	addr, files := startShellServer(t)

	t.Run("ls numbers the files and get takes a number", func(t *testing.T) {
		dir := t.TempDir()
		d := newShellDriver(t, addr, dir)
		d.enter("ls")
		assert.Equal(t, "files "+addr+"> ls\n1        6 B  a.txt\n2    5.9 KiB  b.txt\n3    391 KiB  c.bin\n3 files, 396 KiB", d.output())
		d.enter("get 3")
		assert.Contains(t, d.output(), "get c.bin -> "+filepath.Join(dir, "c.bin")+": 391 KiB in ")
		assert.Contains(t, d.output(), " verified")
		assertFile(t, filepath.Join(dir, "c.bin"), files["c.bin"])
	})

	t.Run("d alone asks which file, as the course's client did", func(t *testing.T) {
		dir := t.TempDir()
		d := newShellDriver(t, addr, dir)
		d.enter("d")
		assert.Contains(t, d.output(), "1        6 B  a.txt", "d shows the list to choose from")
		assert.Equal(t, "download which (number or name)? ", d.m.editor.Prompt)
		d.enter("1")
		assert.Contains(t, d.output(), "get a.txt -> ")
		assertFile(t, filepath.Join(dir, "a.txt"), files["a.txt"])
		assert.Equal(t, "files "+addr+"> ", d.m.editor.Prompt, "the prompt is back")
	})

	t.Run("a failed get says why and leaves no file", func(t *testing.T) {
		dir := t.TempDir()
		d := newShellDriver(t, addr, dir)
		d.enter("get missing 9")
		assert.Contains(t, d.output(), "get 9: failed: the listing has files 1 to 3")
		assert.Contains(t, d.output(), "get missing: failed: not found")
		assert.NotContains(t, d.output(), "verified")
		entries, err := os.ReadDir(dir)
		require.NoError(t, err)
		assert.Empty(t, entries, "files left behind")
	})

	t.Run("several transfers run at once, each with its bar, while the prompt takes commands", func(t *testing.T) {
		dir := t.TempDir()
		local := filepath.Join(t.TempDir(), "up.bin")
		require.NoError(t, os.WriteFile(local, bytes.Repeat([]byte("u"), 50000), 0o644))
		d := newShellDriver(t, addr, dir)
		d.printed = nil
		transfers := d.typeLine("get 1 b.txt")
		more := d.typeLine("put " + local)
		require.Len(t, d.m.active, 3, "three transfers running")
		view := d.m.View()
		for _, label := range []string{"get a.txt", "get b.txt", "put up.bin"} {
			assert.Contains(t, view, label, "each running transfer has its bar")
		}
		assert.Contains(t, view, "[", "the bars are drawn")
		assert.True(t, strings.HasSuffix(view, "files "+addr+"> \x1b[7m \x1b[27m"), "the prompt is under the bars: %q", view)
		d.runConcurrently([]tea.Cmd{transfers, more})
		assert.Empty(t, d.m.active)
		assert.Equal(t, 3, strings.Count(d.output(), " verified"), "output:\n%s", d.output())
		assertFile(t, filepath.Join(dir, "b.txt"), files["b.txt"])
		d.enter("ls")
		assert.Contains(t, d.output(), "up.bin", "the upload is listed")
	})

	t.Run("Tab completes commands and the server's names", func(t *testing.T) {
		d := newShellDriver(t, addr, t.TempDir())
		for _, r := range "ha" {
			d.m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
		}
		d.m.Update(tea.KeyMsg{Type: tea.KeyTab})
		assert.Equal(t, "hash ", d.m.editor.Value())
		d.m.editor.SetValue("get c")
		d.m.Update(tea.KeyMsg{Type: tea.KeyTab})
		assert.Equal(t, "get c.bin ", d.m.editor.Value())
		d.m.editor.SetValue("get ")
		d.m.Update(tea.KeyMsg{Type: tea.KeyTab})
		assert.True(t, strings.HasPrefix(d.m.editor.Hint(), "a.txt  b.txt  c.bin"), "the candidates: %q", d.m.editor.Hint())
	})

	t.Run("b disconnects, open connects again and q quits", func(t *testing.T) {
		d := newShellDriver(t, addr, t.TempDir())
		d.enter("b")
		assert.Contains(t, d.output(), "disconnected from "+addr)
		d.enter("ls")
		assert.Contains(t, d.output(), "ls: disconnected: open connects again")
		d.enter("open")
		assert.Contains(t, d.output(), "connected to "+addr)
		d.enter("hash 1")
		assert.Contains(t, d.output(), sha(files["a.txt"])+"  a.txt")
		d.enter("q")
		assert.True(t, d.quit, "q quits")
		d.m.client.Close()
	})

	t.Run("Ctrl-C stops the running transfers and says how to resume", func(t *testing.T) {
		dir := t.TempDir()
		d := newShellDriver(t, addr, dir)
		transfers := d.typeLine("get 3")
		d.printed = nil
		_, cmd := d.m.Update(tea.KeyMsg{Type: tea.KeyCtrlC})
		d.run(cmd)
		assert.Equal(t, "interrupting 1 transfer(s)", d.output())
		d.run(transfers)
		// The cancellation may land before or after the last byte.
		if out := d.output(); !strings.Contains(out, "verified") {
			assert.Contains(t, out, "get c.bin: interrupted")
			assert.NoFileExists(t, filepath.Join(dir, "c.bin"))
		}
		assert.Empty(t, d.m.active)
	})
}

func assertFile(t *testing.T, path string, want []byte) {
	t.Helper()
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.True(t, bytes.Equal(want, got), "%s: %d bytes, want %d", path, len(got), len(want))
}

func TestDrawBar(t *testing.T) {
	assert.Equal(t, "[          ]", drawBar(0, 10))
	assert.Equal(t, "[=====     ]", drawBar(0.5, 10))
	assert.Equal(t, "[==========]", drawBar(1, 10))
}
