package main

import (
	"errors"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeFeed is a chat feed the test fills by hand.
type fakeFeed struct {
	lines chan string
	sent  []string
	err   error
}

func newScreenForTest(t *testing.T) (*chatScreen, *fakeFeed, *[]string) {
	f := &fakeFeed{lines: make(chan string, 16)}
	m := newChatScreen(chatFeed{
		lines: f.lines,
		err:   func() error { return f.err },
		send:  func(line string) error { f.sent = append(f.sent, line); return nil },
	}, false)
	m.now = func() time.Time { return time.Date(2026, 12, 2, 9, 5, 0, 0, time.UTC) }
	var printed []string
	m.println = func(s string) tea.Cmd { printed = append(printed, s); return nil }
	return m, f, &printed
}

func typeInto(m *chatScreen, s string) tea.Cmd {
	var cmd tea.Cmd
	for _, r := range s {
		if r == '\n' {
			_, cmd = m.Update(tea.KeyMsg{Type: tea.KeyEnter})
			continue
		}
		m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
	}
	return cmd
}

func TestChatScreen(t *testing.T) {
	t.Run("lines that arrive while typing leave the input line as it was", func(t *testing.T) {
		m, _, printed := newScreenForTest(t)
		typeInto(m, "half a sent")
		m.Update(tea.KeyMsg{Type: tea.KeyLeft})
		before := m.View()
		for _, l := range []string{"* welcome guest-3", "bob: one", "bob: two", "* carol joined"} {
			m.Update(chatLineMsg(l))
		}
		assert.Equal(t, before, m.View(), "the input line")
		assert.Equal(t, "> half a sen\x1b[7mt\x1b[27m", m.View())
		assert.Equal(t, []string{"09:05 * welcome guest-3", "09:05 bob: one", "09:05 bob: two", "09:05 * carol joined"}, *printed)
	})

	t.Run("what we say is sent and shown as the others see it", func(t *testing.T) {
		m, f, printed := newScreenForTest(t)
		m.Update(chatLineMsg("* welcome guest-1"))
		m.Update(chatLineMsg("* you are ann"))
		typeInto(m, "hello\n/msg  bob  psst there\n/who\n")
		assert.Equal(t, []string{"hello", "/msg  bob  psst there", "/who"}, f.sent)
		assert.Equal(t, []string{"09:05 * welcome guest-1", "09:05 * you are ann", "09:05 ann: hello", "09:05  dm  to bob: psst there"}, *printed)
		assert.Equal(t, "> \x1b[7m \x1b[27m", m.View(), "the line is empty again")
	})

	t.Run("a close after /quit ends the screen without an error", func(t *testing.T) {
		m, f, _ := newScreenForTest(t)
		typeInto(m, "/quit\n")
		_, cmd := m.Update(chatClosedMsg{})
		require.NotNil(t, cmd)
		assert.IsType(t, tea.QuitMsg{}, cmd())
		assert.NoError(t, m.err)
		assert.Equal(t, []string{"/quit"}, f.sent)
	})

	t.Run("a close the client did not ask for says the server closed it", func(t *testing.T) {
		m, _, _ := newScreenForTest(t)
		_, cmd := m.Update(chatClosedMsg{})
		assert.IsType(t, tea.QuitMsg{}, cmd())
		assert.ErrorIs(t, m.err, errClosedByServer)
		assert.EqualError(t, m.err, "chat: connection closed by server")
	})

	t.Run("a broken connection is reported as it is", func(t *testing.T) {
		m, _, _ := newScreenForTest(t)
		broken := errors.New("chat: read: connection reset by peer")
		m.Update(chatClosedMsg{err: broken})
		assert.ErrorIs(t, m.err, broken)
	})

	t.Run("Ctrl-C leaves with /quit and a second one stops at once", func(t *testing.T) {
		m, f, _ := newScreenForTest(t)
		_, cmd := m.Update(tea.KeyMsg{Type: tea.KeyCtrlC})
		assert.Nil(t, cmd, "the first waits for the server's bye")
		assert.Equal(t, []string{"/quit"}, f.sent)
		_, cmd = m.Update(tea.KeyMsg{Type: tea.KeyCtrlC})
		require.NotNil(t, cmd)
		assert.IsType(t, tea.QuitMsg{}, cmd())
	})

	t.Run("the next line is read from the feed, and its end becomes a close", func(t *testing.T) {
		m, f, _ := newScreenForTest(t)
		f.lines <- "bob: hi"
		assert.Equal(t, chatLineMsg("bob: hi"), m.Init()())
		close(f.lines)
		assert.Equal(t, chatClosedMsg{}, m.Init()())
	})
}

func TestFormatChatLine(t *testing.T) {
	at := time.Date(2026, 12, 2, 14, 7, 0, 0, time.UTC)
	for _, tt := range []struct{ line, want string }{
		{"bob: hello", "14:07 bob: hello"},
		{"bob (dm): psst", "14:07  dm  bob: psst"},
		{"* online: ann bob", "14:07 * online (2):\n        ann (you)\n        bob"},
		{"! no such user zed", "14:07 ! no such user zed"},
		{"not a name here: x", "14:07 not a name here: x"},
	} {
		assert.Equal(t, tt.want, formatChatLine(tt.line, "ann", at, false), "line %q", tt.line)
	}
	t.Run("with colour each name keeps its own and a direct message is marked", func(t *testing.T) {
		bob := formatChatLine("bob: hi", "ann", at, true)
		assert.Contains(t, bob, nameColor("bob")+"bob"+sgrReset)
		assert.Equal(t, nameColor("bob"), nameColor("bob"))
		assert.Contains(t, formatChatLine("bob (dm): hi", "ann", at, true), sgrDM+" dm "+sgrReset)
	})
}
