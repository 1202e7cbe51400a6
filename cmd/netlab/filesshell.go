package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/netlab-go/netlab/filesrv"
	"github.com/netlab-go/netlab/internal/termui"
)

// filesShell is the Bubble Tea model of `netlab files -addr A` at a
// terminal: a prompt that takes the course client's one-letter commands
// and longer ones (filesshellcmd.go), with transfers running in the
// background, each with its bar above the prompt, while you type the
// next command. Results are printed above the view with tea.Println, so
// they stay in the terminal's history.
type filesShell struct {
	ctx    context.Context // bounds every operation (SIGTERM)
	addr   string
	dir    string          // where downloads go
	client *filesrv.Client // nil after b (disconnect)

	editor  termui.Editor
	ask     string               // "get" or "put" while the prompt asks which file (d or u alone)
	list    []filesrv.Entry      // the last listing: ls numbers it from 1, get N takes from it
	active  []*shellTransfer     // running transfers, in the order started
	nextID  int                  // of the next transfer
	now     func() time.Time     // the bars' clock
	println func(string) tea.Cmd // tea.Println; tests record instead
	tick    func() tea.Cmd       // the next redraw of the bars; tests do without
	width   int                  // the terminal's, 0 until Bubble Tea says
	quit    bool                 // q given while transfers ran: quit once they end
}

// A shellTransfer is one background download or upload.
type shellTransfer struct {
	id     int
	job    transferJob
	st     *transferState
	local  string // a download's local path ("" for an upload), so that two gets of one file do not share a part file
	cancel context.CancelFunc
}

// Messages the shell's commands send back.
type (
	transferDoneMsg struct {
		id   int
		line string
		err  error
	}
	listMsg struct {
		list []filesrv.Entry
		err  error
		show bool // print it (ls), or only keep it for numbers and completion
	}
	printMsg string    // a line to print, from a command run in the background
	tickMsg  time.Time // redraw the bars
)

// tickEvery is how often the bars are redrawn while transfers run.
const tickEvery = 200 * time.Millisecond

func newFilesShell(ctx context.Context, c *filesrv.Client, addr, dir string) *filesShell {
	m := &filesShell{ctx: ctx, addr: addr, dir: dir, client: c, now: time.Now}
	m.println = func(s string) tea.Cmd { return tea.Println(termui.Wrap(s, m.width)) }
	m.tick = func() tea.Cmd {
		return tea.Tick(tickEvery, func(t time.Time) tea.Msg { return tickMsg(t) })
	}
	m.setPrompt()
	m.editor.Complete = m.complete
	return m
}

func (m *filesShell) setPrompt() {
	switch {
	case m.ask == "get":
		m.editor.Prompt = "download which (number or name)? "
	case m.ask == "put":
		m.editor.Prompt = "upload which local file? "
	case m.client == nil:
		m.editor.Prompt = "files (disconnected)> "
	default:
		m.editor.Prompt = "files " + m.addr + "> "
	}
}

// Init implements tea.Model: it lists the server's files, quietly, so that
// numbers and completion work from the first command.
func (m *filesShell) Init() tea.Cmd {
	return tea.Batch(m.println(shellGreeting(m.addr)), m.listCmd(false))
}

func shellGreeting(addr string) string {
	return "connected to " + addr + ": ls lists, d or get downloads, u or put uploads, b disconnects, q quits, help for more"
}

// Update implements tea.Model.
func (m *filesShell) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.KeyMsg:
		return m, m.key(msg)
	case listMsg:
		if msg.err != nil {
			return m, m.println("ls: failed: " + reasonOf(msg.err))
		}
		m.list = msg.list
		if msg.show {
			return m, m.println(formatListing(m.list))
		}
	case transferDoneMsg:
		put := false
		for i, tr := range m.active {
			if tr.id == msg.id {
				tr.cancel()
				put = tr.local == ""
				m.active = append(m.active[:i], m.active[i+1:]...)
				break
			}
		}
		cmds := []tea.Cmd{m.println(msg.line)}
		if msg.err == nil && put {
			cmds = append(cmds, m.listCmd(false)) // the new name completes from now on
		}
		if m.quit && len(m.active) == 0 {
			cmds = append(cmds, tea.Quit)
		}
		return m, tea.Sequence(cmds...)
	case tea.WindowSizeMsg:
		m.width = msg.Width
		m.editor.Width = msg.Width
	case printMsg:
		return m, m.println(string(msg))
	case tickMsg:
		if len(m.active) > 0 {
			return m, m.tick()
		}
	}
	return m, nil
}

// key handles one key. Ctrl-C stops the running transfers (their part
// files stay, to resume), or with none running quits; Ctrl-D on an empty
// line quits like q.
func (m *filesShell) key(k tea.KeyMsg) tea.Cmd {
	switch {
	case k.Type == tea.KeyCtrlC && len(m.active) > 0:
		for _, tr := range m.active {
			tr.cancel()
		}
		m.quit = false
		return m.println(fmt.Sprintf("interrupting %d transfer(s)", len(m.active)))
	case k.Type == tea.KeyCtrlC, k.Type == tea.KeyCtrlD && m.editor.Value() == "":
		if m.ask != "" {
			m.ask = ""
			m.setPrompt()
			return nil
		}
		return m.run("q")
	case k.Type == tea.KeyEsc && m.ask != "":
		m.ask = ""
		m.setPrompt()
		return nil
	}
	line, ok := m.editor.Update(k)
	if !ok {
		return nil
	}
	echo := m.println(m.editor.Prompt + line) // the command stays above, as in a shell
	if m.ask != "" {
		verb := m.ask
		m.ask = ""
		m.setPrompt()
		if strings.TrimSpace(line) == "" {
			return echo
		}
		line = verb + " " + line
	}
	return tea.Sequence(echo, m.run(line))
}

// View implements tea.Model: a bar for each running transfer, the prompt,
// and under it the candidates of the last Tab.
func (m *filesShell) View() string {
	var b strings.Builder
	now := m.now()
	for _, tr := range m.active {
		fmt.Fprintf(&b, "%-20s %s %s  %s\n", tr.job.label, drawBar(tr.st.fraction(), 24), tr.st.status(), tr.st.stats(now))
	}
	b.WriteString(m.editor.View())
	if h := m.editor.Hint(); h != "" {
		b.WriteString("\n" + h)
	}
	return termui.Fit(b.String(), m.width)
}

// drawBar draws a bar width cells wide, f of it full.
func drawBar(f float64, width int) string {
	full := min(max(int(f*float64(width)+0.5), 0), width)
	return "[" + strings.Repeat("=", full) + strings.Repeat(" ", width-full) + "]"
}

// formatListing numbers the files as ls prints them: the number that get
// takes, the size, the name.
func formatListing(list []filesrv.Entry) string {
	if len(list) == 0 {
		return "no files"
	}
	var b strings.Builder
	var total int64
	w := len(strconv.Itoa(len(list)))
	for i, e := range list {
		fmt.Fprintf(&b, "%*d  %9s  %s\n", w, i+1, humanSize(e.Size), e.Name)
		total += e.Size
	}
	fmt.Fprintf(&b, "%d files, %s", len(list), humanSize(total))
	return b.String()
}

// listCmd lists the server's files in the background.
func (m *filesShell) listCmd(show bool) tea.Cmd {
	c := m.client
	if c == nil {
		return nil
	}
	ctx := m.ctx
	return func() tea.Msg {
		list, err := c.List(ctx)
		return listMsg{list: list, err: err, show: show}
	}
}

// start runs job in the background with its bar.
func (m *filesShell) start(job transferJob, local string) tea.Cmd {
	ctx, cancel := context.WithCancel(m.ctx)
	tr := &shellTransfer{id: m.nextID, job: job, st: newTransferState(job.label, m.now()), local: local, cancel: cancel}
	m.nextID++
	m.active = append(m.active, tr)
	run := func() tea.Msg {
		t, err := job.run(ctx, tr.st.progress)
		tr.st.end(time.Now(), err)
		if err != nil {
			return transferDoneMsg{id: tr.id, line: failure(job.label, job.name, t, err, job.resume), err: err}
		}
		return transferDoneMsg{id: tr.id, line: job.report(tr.st, t)}
	}
	if len(m.active) == 1 {
		return tea.Batch(run, m.tick()) // the first one starts the redraws
	}
	return run
}

// complete offers, for the word before the cursor, the commands, the
// server's names (after get, d, hash) or local paths (after put, u).
func (m *filesShell) complete(before string) []string {
	words := strings.Fields(before)
	if m.ask == "" && (len(words) == 0 || (len(words) == 1 && !strings.HasSuffix(before, " "))) {
		return shellCommandNames()
	}
	verb := m.ask
	if verb == "" {
		verb = words[0]
	}
	switch verb {
	case "get", "d", "hash":
		names := make([]string, len(m.list))
		for i, e := range m.list {
			names[i] = e.Name
		}
		return names
	case "put", "u":
		word := before[strings.LastIndexByte(before, ' ')+1:]
		return localPaths(word)
	}
	return nil
}

// localPaths returns the local files and folders whose path starts with
// prefix, folders with a trailing slash.
func localPaths(prefix string) []string {
	dir, _ := filepath.Split(prefix)
	readDir := dir
	if readDir == "" {
		readDir = "."
	}
	entries, err := os.ReadDir(readDir)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		p := dir + e.Name()
		if e.IsDir() {
			p += string(filepath.Separator)
		}
		out = append(out, p)
	}
	return out
}

// runFilesShell runs the shell until q, and closes the client.
func runFilesShell(ctx context.Context, c *filesrv.Client, addr, dir string, in io.Reader, out io.Writer) error {
	m := newFilesShell(ctx, c, addr, dir)
	defer func() {
		if m.client != nil {
			m.client.Close()
		}
	}()
	p := tea.NewProgram(m, tea.WithContext(ctx), tea.WithInput(in), tea.WithOutput(out), tea.WithoutSignalHandler())
	if _, err := p.Run(); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("files: %w", ctx.Err())
		}
		return fmt.Errorf("files: shell: %w", err)
	}
	return nil
}
