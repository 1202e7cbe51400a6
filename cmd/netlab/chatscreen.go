package main

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/netlab-go/netlab/chat"
	"github.com/netlab-go/netlab/internal/termui"
)

// errClosedByServer is how the chat client ends when the server closed the
// connection without being asked to (a shutdown, an idle timeout, a
// receiver dropped for falling behind).
var errClosedByServer = errors.New("chat: connection closed by server")

// A chatFeed is where the chat screen's lines come from and go to: a TCP
// [chat.Client] or a UDP peer. lines is closed when the server has ended
// the session; err then says why (nil for an orderly close).
type chatFeed struct {
	lines <-chan string
	err   func() error
	send  func(line string) error
}

// chatLineMsg is a line from the server, chatClosedMsg the end of them.
type (
	chatLineMsg   string
	chatClosedMsg struct{ err error }
)

// chatScreen is the Bubble Tea model of `netlab chat` at a terminal. The
// room's lines are printed above the program's view with tea.Println, so
// they scroll into the terminal's own history, while the view is only the
// input line, which therefore stays whole however many lines arrive.
type chatScreen struct {
	feed    chatFeed
	editor  termui.Editor
	me      string           // our name, from "* welcome" and "* you are"
	now     func() time.Time // the clock of the HH:MM stamps
	color   bool
	println func(string) tea.Cmd // tea.Println; tests record instead
	width   int                  // the terminal's, 0 until Bubble Tea says
	leaving bool                 // /quit, Ctrl-C or Ctrl-D sent: a close is expected
	err     error                // why the screen ended, for runChat to return
}

func newChatScreen(feed chatFeed, color bool) *chatScreen {
	m := &chatScreen{feed: feed, now: time.Now, color: color, println: func(s string) tea.Cmd { return tea.Println(s) }}
	m.editor.Prompt = "> "
	m.editor.Complete = func(before string) []string {
		if !strings.Contains(before, " ") {
			return []string{"/who", "/nick", "/msg", "/help", "/quit"}
		}
		return nil
	}
	return m
}

// Init implements tea.Model: it starts waiting for the first line.
func (m *chatScreen) Init() tea.Cmd { return m.next }

// next waits for the feed's next line.
func (m *chatScreen) next() tea.Msg {
	line, ok := <-m.feed.lines
	if !ok {
		return chatClosedMsg{m.feed.err()}
	}
	return chatLineMsg(line)
}

// Update implements tea.Model.
func (m *chatScreen) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case chatLineMsg:
		line := string(msg)
		if name, ok := strings.CutPrefix(line, "* welcome "); ok {
			m.me = name
		} else if name, ok := strings.CutPrefix(line, "* you are "); ok {
			m.me = name
		}
		return m, tea.Sequence(m.say(formatChatLine(line, m.me, m.now(), m.color)), m.next)
	case chatClosedMsg:
		switch {
		case msg.err != nil:
			m.err = msg.err
		case !m.leaving:
			m.err = errClosedByServer
		}
		return m, tea.Quit
	case tea.KeyMsg:
		return m, m.key(msg)
	case tea.WindowSizeMsg:
		m.width = msg.Width
		m.editor.Width = msg.Width
	}
	return m, nil
}

// say prints s above the input line, wrapped to the terminal.
func (m *chatScreen) say(s string) tea.Cmd { return m.println(termui.Wrap(s, m.width)) }

// key handles one key: Enter sends the line, Ctrl-C (or Ctrl-D on an empty
// line) leaves as /quit does, and a second Ctrl-C stops at once.
func (m *chatScreen) key(k tea.KeyMsg) tea.Cmd {
	switch {
	case k.Type == tea.KeyCtrlC && m.leaving:
		return tea.Quit
	case k.Type == tea.KeyCtrlC, k.Type == tea.KeyCtrlD && m.editor.Value() == "":
		m.leaving = true
		m.feed.send("/quit") // a failure means the connection is gone, which the feed reports
		return nil
	}
	line, ok := m.editor.Update(k)
	if !ok || line == "" {
		return nil
	}
	if err := m.feed.send(line); err != nil {
		return m.say(formatChatLine("! "+err.Error(), m.me, m.now(), m.color))
	}
	if line == "/quit" || strings.HasPrefix(line, "/quit ") {
		m.leaving = true
	}
	// The server does not send our own words back: show them here, as
	// the others will see them.
	if echo := ownLine(line, m.me); echo != "" {
		return m.say(formatChatLine(echo, m.me, m.now(), m.color))
	}
	return nil
}

// View implements tea.Model: the input line, and under it the candidates
// of the last Tab.
func (m *chatScreen) View() string {
	v := m.editor.View()
	if h := m.editor.Hint(); h != "" {
		v += "\n" + h
	}
	return termui.Fit(v, m.width)
}

// ownLine returns how a line we sent reads to others, in the server's own
// words, or "" for a command whose answer the server sends us.
func ownLine(line, me string) string {
	switch {
	case strings.HasPrefix(line, "/msg "):
		// Runs of spaces between the words count as one (docs/protocols.md).
		to, text, ok := strings.Cut(strings.TrimLeft(line[len("/msg "):], " "), " ")
		if text = strings.TrimLeft(text, " "); ok && to != "" && text != "" {
			return "-> " + to + " (dm): " + text
		}
		return ""
	case strings.HasPrefix(line, "%"):
		to, text, ok := strings.Cut(line[1:], "%")
		if ok && to != "" && text != "" {
			return "-> " + to + " (dm): " + text
		}
		return ""
	case strings.HasPrefix(line, "/"):
		return ""
	}
	return me + ": " + line
}

// SGR sequences of the screen's styles.
const (
	sgrReset = "\x1b[0m"
	sgrDim   = "\x1b[2m"
	sgrBold  = "\x1b[1m"
	sgrError = "\x1b[1;31m"
	sgrDM    = "\x1b[1;30;43m" // black on yellow: a direct message stands out
)

// nameColors are 256-colour foregrounds that read on dark and light
// backgrounds alike; a name keeps its colour for the whole session.
var nameColors = []int{33, 208, 35, 170, 172, 38, 161, 70, 99, 166}

func nameColor(name string) string {
	h := fnv.New32a()
	io.WriteString(h, name)
	return fmt.Sprintf("\x1b[1;38;5;%dm", nameColors[h.Sum32()%uint32(len(nameColors))])
}

// formatChatLine renders one protocol line (docs/protocols.md, chat) for
// the screen: an HH:MM stamp, then the sender's name in its colour, a
// direct message marked, a server notice dimmed, an error in red, and the
// answer to /who as a list. Without color it is the same text, unstyled.
func formatChatLine(line, me string, at time.Time, color bool) string {
	paint := func(sgr, s string) string {
		if !color {
			return s
		}
		return sgr + s + sgrReset
	}
	stamp := paint(sgrDim, at.Format("15:04")) + " "
	switch {
	case strings.HasPrefix(line, "* online: "):
		names := strings.Fields(strings.TrimPrefix(line, "* online: "))
		var b strings.Builder
		fmt.Fprintf(&b, "%s%s", stamp, paint(sgrDim, fmt.Sprintf("* online (%d):", len(names))))
		for _, n := range names {
			you := ""
			if n == me {
				you = " (you)"
			}
			fmt.Fprintf(&b, "\n        %s%s", paint(nameColor(n), n), you)
		}
		return b.String()
	case strings.HasPrefix(line, "* "):
		return stamp + paint(sgrDim, line)
	case strings.HasPrefix(line, "! "):
		return stamp + paint(sgrError, line)
	case strings.HasPrefix(line, "-> "):
		to, text, _ := strings.Cut(strings.TrimPrefix(line, "-> "), " (dm): ")
		return stamp + paint(sgrDM, " dm ") + " " + paint(sgrBold, "to ") + paint(nameColor(to), to) + ": " + text
	}
	from, text, ok := strings.Cut(line, ": ")
	if !ok {
		return stamp + line
	}
	if name, dm := strings.CutSuffix(from, " (dm)"); dm && chat.ValidName(name) {
		return stamp + paint(sgrDM, " dm ") + " " + paint(nameColor(name), name) + ": " + paint(sgrBold, text)
	}
	if !chat.ValidName(from) {
		return stamp + line
	}
	return stamp + paint(nameColor(from), from) + ": " + text
}

// runChatScreen runs the chat screen over feed until the session ends,
// and returns why: nil after /quit, errClosedByServer or the feed's error
// otherwise.
func runChatScreen(ctx context.Context, feed chatFeed, in io.Reader, out io.Writer, color bool) error {
	m := newChatScreen(feed, color)
	p := tea.NewProgram(m, tea.WithContext(ctx), tea.WithInput(in), tea.WithOutput(out), tea.WithoutSignalHandler())
	if _, err := p.Run(); err != nil {
		if ctx.Err() != nil {
			return nil // SIGTERM or SIGINT from outside: leave, as the plain client does
		}
		return fmt.Errorf("chat: screen: %w", err)
	}
	return m.err
}
