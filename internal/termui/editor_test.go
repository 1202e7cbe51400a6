package termui_test

import (
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netlab-go/netlab/internal/termui"
)

// typeKeys feeds e the keys of s, one rune at a time, and returns the
// lines entered.
func typeKeys(e *termui.Editor, s string) []string {
	var lines []string
	for _, r := range s {
		var k tea.KeyMsg
		switch r {
		case '\n':
			k = tea.KeyMsg{Type: tea.KeyEnter}
		case '\t':
			k = tea.KeyMsg{Type: tea.KeyTab}
		default:
			k = tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}}
		}
		if line, ok := e.Update(k); ok {
			lines = append(lines, line)
		}
	}
	return lines
}

func press(e *termui.Editor, keys ...tea.KeyType) {
	for _, k := range keys {
		e.Update(tea.KeyMsg{Type: k})
	}
}

func TestEditor(t *testing.T) {
	t.Run("Enter hands over the line and starts an empty one", func(t *testing.T) {
		var e termui.Editor
		assert.Equal(t, []string{"hello"}, typeKeys(&e, "hello\n"))
		assert.Empty(t, e.Value())
	})

	t.Run("the cursor keys move within the line and typing inserts there", func(t *testing.T) {
		var e termui.Editor
		typeKeys(&e, "helo")
		press(&e, tea.KeyLeft)
		typeKeys(&e, "l")
		press(&e, tea.KeyHome)
		typeKeys(&e, "> ")
		press(&e, tea.KeyEnd, tea.KeyBackspace)
		assert.Equal(t, "> hell", e.Value())
	})

	t.Run("Ctrl-W removes the word before the cursor and Ctrl-Y puts it back", func(t *testing.T) {
		var e termui.Editor
		typeKeys(&e, "get one two  ")
		press(&e, tea.KeyCtrlW)
		assert.Equal(t, "get one ", e.Value())
		press(&e, tea.KeyCtrlU)
		assert.Empty(t, e.Value())
		press(&e, tea.KeyCtrlY)
		assert.Equal(t, "get one ", e.Value())
	})

	t.Run("Up and Down walk the history and come back to the line being typed", func(t *testing.T) {
		var e termui.Editor
		typeKeys(&e, "first\nsecond\nsecond\n\ndraft")
		assert.Equal(t, []string{"first", "second"}, e.History(), "blank lines and repeats are not remembered")
		press(&e, tea.KeyUp)
		assert.Equal(t, "second", e.Value())
		press(&e, tea.KeyUp, tea.KeyUp)
		assert.Equal(t, "first", e.Value(), "Up stops at the oldest line")
		press(&e, tea.KeyDown, tea.KeyDown)
		assert.Equal(t, "draft", e.Value())
	})

	t.Run("Tab completes one candidate, then a shared prefix, then lists them", func(t *testing.T) {
		e := termui.Editor{Complete: func(before string) []string {
			return []string{"report-2025.pdf", "report-2026.pdf", "notes.txt"}
		}}
		typeKeys(&e, "get no\t")
		assert.Equal(t, "get notes.txt ", e.Value())
		typeKeys(&e, "re\t")
		assert.Equal(t, "get notes.txt report-202", e.Value())
		typeKeys(&e, "\t")
		assert.Equal(t, "report-2025.pdf  report-2026.pdf", e.Hint())
		typeKeys(&e, "6\t")
		assert.Equal(t, "get notes.txt report-2026.pdf ", e.Value())
		assert.Empty(t, e.Hint(), "a key clears the list")
	})

	t.Run("a pasted line break becomes a space", func(t *testing.T) {
		var e termui.Editor
		e.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("one\ntwo"), Paste: true})
		require.Equal(t, "one two", e.Value())
	})

	t.Run("the view shows the prompt and the cursor's cell reversed", func(t *testing.T) {
		e := termui.Editor{Prompt: "> "}
		typeKeys(&e, "ab")
		press(&e, tea.KeyLeft)
		assert.Equal(t, "> a\x1b[7mb\x1b[27m", e.View())
	})
}

func TestFit(t *testing.T) {
	t.Run("a long line is wrapped to the width, colours kept", func(t *testing.T) {
		assert.Equal(t, "abcd\nef\nxy", termui.Wrap("abcdef\nxy", 4))
		assert.Equal(t, "\x1b[1mabcd\nef\x1b[0m", termui.Wrap("\x1b[1mabcdef\x1b[0m", 4))
	})
	t.Run("a view's lines are cut to the width", func(t *testing.T) {
		assert.Equal(t, "abcd\nxy", termui.Fit("abcdef\nxy", 4))
	})
	t.Run("an unknown width changes nothing", func(t *testing.T) {
		assert.Equal(t, "abcdef", termui.Wrap("abcdef", 0))
		assert.Equal(t, "abcdef", termui.Fit("abcdef", 0))
	})
}

func TestEditorScrolls(t *testing.T) {
	t.Run("a line wider than the terminal shows the part around the cursor", func(t *testing.T) {
		e := termui.Editor{Prompt: "> ", Width: 12}
		typeKeys(&e, "abcdefghijklmnop")
		assert.Equal(t, "> <klmnop\x1b[7m \x1b[27m", e.View())
		press(&e, tea.KeyHome)
		assert.Equal(t, "> \x1b[7ma\x1b[27mbcdefghi", e.View())
	})
	t.Run("a line that fits is shown whole", func(t *testing.T) {
		e := termui.Editor{Prompt: "> ", Width: 12}
		typeKeys(&e, "abc")
		assert.Equal(t, "> abc\x1b[7m \x1b[27m", e.View())
	})
	t.Run("Ctrl-D deletes the character under the cursor", func(t *testing.T) {
		var e termui.Editor
		typeKeys(&e, "abc")
		press(&e, tea.KeyHome, tea.KeyCtrlD)
		assert.Equal(t, "bc", e.Value())
	})
}
