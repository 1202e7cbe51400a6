package termui

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	tea "github.com/charmbracelet/bubbletea"
)

// maxHistory bounds the lines an [Editor] remembers.
const maxHistory = 500

// A Completer offers the words that could stand where the word before the
// cursor stands: given the line up to the cursor, it returns candidates
// for its last word (the text after the last space), whole, not only the
// missing part.
type Completer func(before string) []string

// Editor is one line of input. The zero value is an empty line with no
// prompt, history or completion. It is not safe for concurrent use: it
// belongs to the model whose Update calls it.
type Editor struct {
	// Prompt is shown before the text.
	Prompt string
	// Complete, if set, is asked for candidates when Tab is pressed.
	Complete Completer
	// Width, if set, is the terminal's: a line longer than fits is shown
	// as a window that scrolls with the cursor, as a shell does.
	Width int

	line []rune
	pos  int // cursor, 0..len(line)

	history []string // oldest first
	browse  int      // index into history while Up/Down browse it; len(history) when not
	draft   []rune   // the line being typed when browsing began

	cut []rune // the last text removed by Ctrl-U, Ctrl-K or Ctrl-W, for Ctrl-Y

	hint string // completion candidates shown under the line, until the next key
}

// Value returns the text of the line.
func (e *Editor) Value() string { return string(e.line) }

// SetValue replaces the line with s and puts the cursor at its end.
func (e *Editor) SetValue(s string) {
	e.line = []rune(s)
	e.pos = len(e.line)
}

// Hint returns the completion candidates the last Tab could not choose
// between, "" if none are shown.
func (e *Editor) Hint() string { return e.hint }

// History returns the lines entered so far, oldest first.
func (e *Editor) History() []string { return slices.Clone(e.history) }

// Update applies one key. When the key is Enter it returns the line and
// true, and starts a new empty line; the line goes into the history unless
// it is blank or repeats the previous one. Keys the editor has no use for
// (Ctrl-C, Esc, …) are ignored, for the model to handle.
func (e *Editor) Update(k tea.KeyMsg) (string, bool) {
	e.hint = ""
	switch k.Type {
	case tea.KeyRunes, tea.KeySpace:
		e.insert(k.Runes)
	case tea.KeyEnter:
		line := string(e.line)
		e.remember(line)
		e.line, e.pos = nil, 0
		return line, true
	case tea.KeyBackspace, tea.KeyCtrlH:
		if e.pos > 0 {
			e.line = slices.Delete(e.line, e.pos-1, e.pos)
			e.pos--
		}
	case tea.KeyDelete, tea.KeyCtrlD:
		if e.pos < len(e.line) {
			e.line = slices.Delete(e.line, e.pos, e.pos+1)
		}
	case tea.KeyLeft, tea.KeyCtrlB:
		e.pos = max(e.pos-1, 0)
	case tea.KeyRight, tea.KeyCtrlF:
		e.pos = min(e.pos+1, len(e.line))
	case tea.KeyHome, tea.KeyCtrlA:
		e.pos = 0
	case tea.KeyEnd, tea.KeyCtrlE:
		e.pos = len(e.line)
	case tea.KeyCtrlLeft:
		e.pos = e.wordStart()
	case tea.KeyCtrlRight:
		for e.pos < len(e.line) && e.line[e.pos] == ' ' {
			e.pos++
		}
		for e.pos < len(e.line) && e.line[e.pos] != ' ' {
			e.pos++
		}
	case tea.KeyCtrlU:
		e.cut = slices.Clone(e.line[:e.pos])
		e.line = slices.Delete(e.line, 0, e.pos)
		e.pos = 0
	case tea.KeyCtrlK:
		e.cut = slices.Clone(e.line[e.pos:])
		e.line = e.line[:e.pos]
	case tea.KeyCtrlW:
		start := e.wordStart()
		e.cut = slices.Clone(e.line[start:e.pos])
		e.line = slices.Delete(e.line, start, e.pos)
		e.pos = start
	case tea.KeyCtrlY:
		e.insert(e.cut)
	case tea.KeyUp, tea.KeyCtrlP:
		e.older()
	case tea.KeyDown, tea.KeyCtrlN:
		e.newer()
	case tea.KeyTab:
		e.complete()
	}
	return "", false
}

// insert puts rs at the cursor. Control characters (a pasted LF or ESC)
// become spaces: one line holds no line break, and the chat server would
// refuse the line.
func (e *Editor) insert(rs []rune) {
	rs = slices.Clone(rs)
	for i, r := range rs {
		if unicode.IsControl(r) {
			rs[i] = ' '
		}
	}
	e.line = slices.Insert(e.line, e.pos, rs...)
	e.pos += len(rs)
}

// wordStart returns where the word before the cursor starts, skipping the
// spaces just before the cursor, as a shell's Ctrl-W does.
func (e *Editor) wordStart() int {
	i := e.pos
	for i > 0 && e.line[i-1] == ' ' {
		i--
	}
	for i > 0 && e.line[i-1] != ' ' {
		i--
	}
	return i
}

func (e *Editor) remember(line string) {
	e.browse = len(e.history)
	if strings.TrimSpace(line) == "" || (len(e.history) > 0 && e.history[len(e.history)-1] == line) {
		return
	}
	e.history = append(e.history, line)
	if len(e.history) > maxHistory {
		e.history = slices.Delete(e.history, 0, len(e.history)-maxHistory)
	}
	e.browse = len(e.history)
}

func (e *Editor) older() {
	if e.browse == 0 {
		return
	}
	if e.browse == len(e.history) {
		e.draft = slices.Clone(e.line)
	}
	e.browse--
	e.SetValue(e.history[e.browse])
}

func (e *Editor) newer() {
	if e.browse >= len(e.history) {
		return
	}
	e.browse++
	if e.browse == len(e.history) {
		e.line = e.draft
		e.pos = len(e.line)
		return
	}
	e.SetValue(e.history[e.browse])
}

// complete completes the word before the cursor: with the one candidate
// and a space if there is one, else with what all candidates share, and
// if that adds nothing, by showing them (see [Editor.Hint]).
func (e *Editor) complete() {
	if e.Complete == nil {
		return
	}
	before := string(e.line[:e.pos])
	word := before[strings.LastIndexByte(before, ' ')+1:]
	var cands []string
	for _, c := range e.Complete(before) {
		if strings.HasPrefix(c, word) {
			cands = append(cands, c)
		}
	}
	slices.Sort(cands)
	cands = slices.Compact(cands)
	switch len(cands) {
	case 0:
		return
	case 1:
		e.insert([]rune(cands[0][len(word):] + " "))
		return
	}
	common := cands[0]
	for _, c := range cands[1:] {
		for !strings.HasPrefix(c, common) {
			_, size := utf8.DecodeLastRuneInString(common)
			common = common[:len(common)-size]
		}
	}
	if len(common) > len(word) {
		e.insert([]rune(common[len(word):]))
		return
	}
	e.hint = strings.Join(cands, "  ")
}

// View is the prompt and the line, the cursor drawn as a reversed cell (the
// terminal's own cursor is hidden while a Bubble Tea program runs). A line
// wider than Width shows the part around the cursor, with "<" where text
// is cut off on the left.
func (e *Editor) View() string {
	line, pos := e.line, e.pos
	prompt := []rune(e.Prompt)
	if room := e.Width - len(prompt) - 1; e.Width > 0 && room > 1 && len(line) >= room {
		// Keep the cursor in view, a fifth of the room from the right edge
		// when there is text to its right.
		start := max(pos-room*4/5, 0)
		if start > 0 {
			prompt = append(prompt, '<')
			start++
			room--
		}
		end := min(start+room, len(line))
		line, pos = line[start:end], pos-start
	}
	var b strings.Builder
	b.WriteString(string(prompt))
	b.WriteString(string(line[:pos]))
	under := " "
	if pos < len(line) {
		under = string(line[pos])
	}
	b.WriteString("\x1b[7m" + under + "\x1b[27m")
	if pos < len(line) {
		b.WriteString(string(line[pos+1:]))
	}
	return b.String()
}
