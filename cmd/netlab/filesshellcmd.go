package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/netlab-go/netlab/filesrv"
)

// A shellCommand is one command of the files shell: its names (the
// course client's letter first, where it had one) and what it does with
// the words after it.
type shellCommand struct {
	names  []string
	args   string // for help
	help   string
	online bool // it talks to the server: disconnected, the shell says so instead
	run    func(m *filesShell, args []string) tea.Cmd
}

// What a command needs, for shellCommand.online.
const (
	connected = true
	anytime   = false
)

// shellCommands returns the shell's commands in the order help lists
// them. A function, not a table, because help lists the table it is in.
func shellCommands() []shellCommand {
	return []shellCommand{
		{[]string{"ls", "l"}, "", "list the server's files, numbered", connected, (*filesShell).cmdList},
		{[]string{"d", "get"}, "N|NAME...", "download, in the background (d alone asks which)", connected, (*filesShell).cmdGet},
		{[]string{"u", "put"}, "FILE...", "upload, in the background (u alone asks which)", connected, (*filesShell).cmdPut},
		{[]string{"hash"}, "N|NAME...", "the server's SHA-256 of files", connected, (*filesShell).cmdHash},
		{[]string{"b", "disconnect"}, "", "disconnect from the server", anytime, (*filesShell).cmdDisconnect},
		{[]string{"open", "c"}, "[ADDR]", "connect again (to ADDR)", anytime, (*filesShell).cmdOpen},
		{[]string{"q", "quit", "exit"}, "", "quit (Ctrl-D too); Ctrl-C stops the running transfers", anytime, (*filesShell).cmdQuit},
		{[]string{"help", "?"}, "", "this list", anytime, (*filesShell).cmdHelp},
	}
}

// shellCommandNames returns every command's names, for completion.
func shellCommandNames() []string {
	var out []string
	for _, c := range shellCommands() {
		out = append(out, c.names...)
	}
	return out
}

// run runs one command line.
func (m *filesShell) run(line string) tea.Cmd {
	words := strings.Fields(line)
	if len(words) == 0 {
		return nil
	}
	for _, c := range shellCommands() {
		for _, n := range c.names {
			if n != words[0] {
				continue
			}
			if c.online && m.client == nil {
				return m.println(n + ": disconnected: open connects again")
			}
			return c.run(m, words[1:])
		}
	}
	return m.println(fmt.Sprintf("%s: unknown command; help lists them", words[0]))
}

func (m *filesShell) cmdList(args []string) tea.Cmd { return m.listCmd(true) }

// resolve turns get's and hash's words into names: a number is a line of
// the last listing.
func (m *filesShell) resolve(verb string, args []string) ([]string, []string) {
	var names, bad []string
	for _, a := range args {
		n, err := strconv.Atoi(a)
		switch {
		case err != nil:
			names = append(names, a)
		case n >= 1 && n <= len(m.list):
			names = append(names, m.list[n-1].Name)
		case len(m.list) == 0:
			bad = append(bad, fmt.Sprintf("%s %s: failed: no listing to take number %d from: ls first", verb, a, n))
		default:
			bad = append(bad, fmt.Sprintf("%s %s: failed: the listing has files 1 to %d", verb, a, len(m.list)))
		}
	}
	return names, bad
}

func (m *filesShell) cmdGet(args []string) tea.Cmd {
	if len(args) == 0 {
		m.ask = "get"
		m.setPrompt()
		return m.listCmd(true)
	}
	names, bad := m.resolve("get", args)
	var cmds []tea.Cmd
	for _, b := range bad {
		cmds = append(cmds, m.println(b))
	}
	for _, name := range names {
		local := filepath.Join(m.dir, name)
		if m.downloading(local) {
			cmds = append(cmds, m.println(fmt.Sprintf("get %s: already downloading to %s", name, local)))
			continue
		}
		job := getJob(m.client, m.addr, name, m.dir)
		job.resume = "type `get " + name + "` again"
		cmds = append(cmds, m.start(job, local))
	}
	return tea.Batch(cmds...)
}

func (m *filesShell) downloading(local string) bool {
	for _, tr := range m.active {
		if tr.local == local {
			return true
		}
	}
	return false
}

func (m *filesShell) cmdPut(args []string) tea.Cmd {
	if len(args) == 0 {
		m.ask = "put"
		m.setPrompt()
		return nil
	}
	var cmds []tea.Cmd
	for _, path := range args {
		cmds = append(cmds, m.start(putJob(m.client, path), ""))
	}
	return tea.Batch(cmds...)
}

func (m *filesShell) cmdHash(args []string) tea.Cmd {
	if len(args) == 0 {
		return m.println("hash: say which files: hash N|NAME...")
	}
	names, bad := m.resolve("hash", args)
	cmds := []tea.Cmd{}
	for _, b := range bad {
		cmds = append(cmds, m.println(b))
	}
	c, ctx := m.client, m.ctx
	for _, name := range names {
		cmds = append(cmds, func() tea.Msg {
			sum, err := c.Hash(ctx, name)
			if err != nil {
				return printMsg("hash " + name + ": failed: " + reasonOf(err))
			}
			return printMsg(sum + "  " + name)
		})
	}
	return tea.Batch(cmds...)
}

func (m *filesShell) cmdDisconnect(args []string) tea.Cmd {
	switch {
	case m.client == nil:
		return m.println("b: not connected")
	case len(m.active) > 0:
		return m.println(fmt.Sprintf("b: %d transfer(s) running: wait for them, or Ctrl-C to stop them", len(m.active)))
	}
	m.client.Close()
	m.client, m.list = nil, nil
	m.setPrompt()
	return m.println("disconnected from " + m.addr + ": open connects again, q quits")
}

func (m *filesShell) cmdOpen(args []string) tea.Cmd {
	if len(args) > 1 {
		return m.println("open: at most one address: open [HOST:PORT]")
	}
	if m.client != nil {
		if len(args) == 0 || args[0] == m.addr {
			return m.println("open: already connected to " + m.addr)
		}
		if len(m.active) > 0 {
			return m.println("open: transfers are running: wait for them, or Ctrl-C to stop them")
		}
		m.client.Close()
		m.client, m.list = nil, nil
	}
	if len(args) == 1 {
		m.addr = args[0]
	}
	c, err := filesrv.Dial(m.ctx, m.addr)
	if err != nil {
		m.setPrompt()
		return m.println("open: failed: " + err.Error())
	}
	m.client = c
	m.setPrompt()
	return tea.Batch(m.println(shellGreeting(m.addr)), m.listCmd(false))
}

func (m *filesShell) cmdQuit(args []string) tea.Cmd {
	if len(m.active) > 0 {
		m.quit = true
		return m.println(fmt.Sprintf("waiting for %d transfer(s) to end before quitting; Ctrl-C stops them", len(m.active)))
	}
	return tea.Quit
}

func (m *filesShell) cmdHelp(args []string) tea.Cmd {
	var b strings.Builder
	for _, c := range shellCommands() {
		fmt.Fprintf(&b, "  %-18s %-10s %s\n", strings.Join(c.names, ", "), c.args, c.help)
	}
	b.WriteString("  Tab completes commands, the server's names and local paths; Up and Down walk the history.")
	return m.println(b.String())
}

// reasonOf is the protocol's reason for a failure ("not found"), or the
// error itself.
func reasonOf(err error) string {
	var perr *filesrv.ProtocolError
	if errors.As(err, &perr) {
		return perr.Reason
	}
	if errors.Is(err, context.Canceled) {
		return "interrupted"
	}
	return err.Error()
}
