package termui

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// Wrap breaks each line of s that is wider than width cells into lines
// that fit, keeping its colours (escape sequences take no cells). Text
// printed above a Bubble Tea view must fit the terminal: the renderer
// counts one row per line, and a line the terminal wraps itself leaves
// rows of the old view behind. A width of 0 (not known yet) keeps s as it
// is.
func Wrap(s string, width int) string {
	if width <= 0 {
		return s
	}
	return ansi.Hardwrap(s, width, true)
}

// Fit cuts each line of s to width cells, for a view, which is redrawn
// in place and must not wrap for the same reason (see [Wrap]). A width of
// 0 keeps s as it is.
func Fit(s string, width int) string {
	if width <= 0 {
		return s
	}
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = ansi.Truncate(l, width, "")
	}
	return strings.Join(lines, "\n")
}
