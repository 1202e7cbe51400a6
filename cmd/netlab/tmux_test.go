package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/chat"
	"github.com/netlab-go/netlab/internal/models"
	"github.com/netlab-go/netlab/netlabtest"
)

// These tests run the real netlab binary (this test executable in its
// helper mode, see TestMain) at a real terminal: a tmux pane, driven with
// send-keys and read with capture-pane, so that what they check is what a
// person at the terminal sees. Run them with -v to see each final screen.

// tmuxSessions numbers the tmux servers this test process starts.
var tmuxSessions atomic.Int32

// A tmuxPane is one netlab command running in a pane of its own tmux
// server (-L), so that the tests never touch anyone else's tmux.
type tmuxPane struct {
	t      *testing.T
	socket string
}

// startTmux runs `netlab args…` in a fresh width×height pane. When the
// command exits, the pane shows "[exit STATUS]" and stays, to be read.
func startTmux(t *testing.T, width, height int, args ...string) *tmuxPane {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		netlabtest.Missing(t, "tmux", "apt-get install -y tmux")
	}
	p := &tmuxPane{t: t, socket: fmt.Sprintf("netlab-test-%d-%d", os.Getpid(), tmuxSessions.Add(1))}
	quoted := []string{"NETLAB_TEST_MAIN=1", "GORACE=atexit_sleep_ms=0", "TERM=xterm-256color", shellQuote(os.Args[0]), "-test.run=^$", "--"}
	for _, a := range args {
		quoted = append(quoted, shellQuote(a))
	}
	script := "env " + strings.Join(quoted, " ") + `; echo "[exit $?]"; exec cat`
	p.tmux("new-session", "-d", "-x", fmt.Sprint(width), "-y", fmt.Sprint(height), "sh", "-c", script)
	t.Cleanup(func() { exec.Command("tmux", "-L", p.socket, "kill-server").Run() })
	return p
}

// in returns the pane for use in the (sub)test t, so that its failures
// end that test.
func (p *tmuxPane) in(t *testing.T) *tmuxPane { return &tmuxPane{t: t, socket: p.socket} }

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

func (p *tmuxPane) tmux(args ...string) string {
	p.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-L", p.socket}, args...)...).CombinedOutput()
	require.NoError(p.t, err, "tmux %s: %s", strings.Join(args, " "), out)
	return string(out)
}

// typeText types s as it is; keys sends tmux key names (Enter, C-c).
func (p *tmuxPane) typeText(s string)    { p.tmux("send-keys", "-l", s) }
func (p *tmuxPane) keys(names ...string) { p.tmux(append([]string{"send-keys"}, names...)...) }

// screen returns the pane's text, each line without trailing spaces and
// without the empty lines at the bottom.
func (p *tmuxPane) screen() string {
	lines := strings.Split(p.tmux("capture-pane", "-p"), "\n")
	for i := range lines {
		lines[i] = strings.TrimRight(lines[i], " ")
	}
	return strings.TrimRight(strings.Join(lines, "\n"), "\n")
}

// waitFor waits until the screen satisfies cond and returns it. A pane
// has no events to wait on, so this polls it, with a bound: every 20 ms
// for at most netlabtest.Timeout.
func (p *tmuxPane) waitFor(what string, cond func(screen string) bool) string {
	p.t.Helper()
	deadline := time.Now().Add(netlabtest.Timeout)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		s := p.screen()
		if cond(s) {
			return s
		}
		if time.Now().After(deadline) {
			require.FailNow(p.t, "the screen never showed "+what, "after %v the screen is:\n%s", netlabtest.Timeout, s)
		}
		<-tick.C
	}
}

func (p *tmuxPane) waitForText(text string) string {
	p.t.Helper()
	return p.waitFor(fmt.Sprintf("%q", text), func(s string) bool { return strings.Contains(s, text) })
}

// lastLine is the bottom line of a screen: where the input line is.
func lastLine(screen string) string { return screen[strings.LastIndexByte(screen, '\n')+1:] }

func TestFilesShellAtATerminal(t *testing.T) {
	addr, files := startShellServer(t)
	dir := t.TempDir()
	p := startTmux(t, 120, 24, "files", "-addr", addr, "-dir", dir)
	p.waitForText("connected to " + addr)

	p.typeText("ls")
	p.keys("Enter")
	s := p.waitForText("3 files, 396 KiB")
	assert.Contains(t, s, "1        6 B  a.txt\n2    5.9 KiB  b.txt\n3    391 KiB  c.bin\n")

	t.Run("get takes a number from the listing", func(t *testing.T) {
		p := p.in(t)
		p.typeText("get 3")
		p.keys("Enter")
		p.waitForText("c.bin: 391 KiB in ")
		assertFile(t, filepath.Join(dir, "c.bin"), files["c.bin"])
	})

	t.Run("a failed get says why and leaves no file", func(t *testing.T) {
		p := p.in(t)
		p.typeText("get missing")
		p.keys("Enter")
		p.waitForText("get missing: failed: not found")
		assert.NoFileExists(t, filepath.Join(dir, "missing"))
		assert.NoFileExists(t, filepath.Join(dir, "missing.part"))
	})

	t.Run("Tab completes a remote name", func(t *testing.T) {
		p := p.in(t)
		p.typeText("get b")
		p.keys("Tab")
		p.waitFor("the completed name", func(s string) bool { return lastLine(s) == "files "+addr+"> get b.txt" })
		p.keys("Enter")
		p.waitForText("get b.txt -> " + filepath.Join(dir, "b.txt"))
		assertFile(t, filepath.Join(dir, "b.txt"), files["b.txt"])
	})

	p.typeText("q")
	p.keys("Enter")
	t.Logf("the files shell's screen:\n%s", p.waitForText("[exit 0]"))
}

// startChatForTmux serves a chat room and joins it with an observer that
// has read its welcome, and returns the server too, to close it.
func startChatForTmux(t *testing.T) (string, netlab.Server, *chat.Client) {
	se, err := models.LookupService("chat")
	require.NoError(t, err)
	svc, cleanup, err := se.New(models.Flags{})
	require.NoError(t, err)
	t.Cleanup(func() { cleanup() })
	addr, srv := netlabtest.Start(t, models.Reference().With(models.Flags{}), svc, netlab.Config{})
	observer, err := chat.Dial(t.Context(), addr)
	require.NoError(t, err)
	t.Cleanup(func() { observer.Close() })
	observerHears(t, observer, "* welcome guest-1")
	return addr, srv, observer
}

func TestChatScreenAtATerminal(t *testing.T) {
	t.Run("the input line stays whole while messages arrive", func(t *testing.T) {
		addr, _, observer := startChatForTmux(t)
		p := startTmux(t, 80, 12, "chat", "-addr", addr, "-name", "zoe")
		p.waitForText("* you are zoe")
		observerHears(t, observer, "* guest-2 joined", "* guest-2 is now zoe")

		p.typeText("half a senten")
		p.waitFor("the typed text on the input line", func(s string) bool { return lastLine(s) == "> half a senten" })
		for i := range 20 {
			require.NoError(t, observer.Say(fmt.Sprintf("message %d", i+1)))
		}
		s := p.waitForText("guest-1: message 20")
		assert.Equal(t, "> half a senten", lastLine(s), "the input line after 20 messages:\n%s", s)
		t.Logf("the chat screen while typing:\n%s", s)

		p.typeText("ce")
		p.keys("Enter")
		observerHears(t, observer, "zoe: half a sentence")
		p.waitFor("our line above the prompt", func(s string) bool {
			return strings.Contains(s, " zoe: half a sentence\n") && lastLine(s) == ">"
		})

		require.NoError(t, observer.Msg("zoe", "just you"))
		require.NoError(t, observer.Nick("yan"))
		observerHears(t, observer, "* you are yan")
		p.waitForText("* guest-1 is now yan")
		p.typeText("/who")
		p.keys("Enter")
		s = p.waitForText("        zoe (you)")
		assert.Contains(t, s, " dm  guest-1: just you")
		assert.Contains(t, s, "* online (2):\n        yan\n        zoe (you)")

		p.keys("C-c")
		observerHears(t, observer, "* zoe left")
		t.Logf("the chat screen:\n%s", p.waitForText("[exit 0]"))
	})

	t.Run("a close by the server says so and fails", func(t *testing.T) {
		addr, srv, _ := startChatForTmux(t)
		p := startTmux(t, 80, 12, "chat", "-addr", addr)
		p.waitForText("* welcome guest-2")
		srv.Close()
		s := p.waitForText("[exit")
		assert.Contains(t, s, "connection closed by server")
		assert.NotContains(t, s, "[exit 0]")
	})
}
