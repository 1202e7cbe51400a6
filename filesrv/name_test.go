package filesrv

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestValidName walks the name rules of docs/protocols.md, each with a name just
// inside and just outside it.
func TestValidName(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want bool
	}{
		{"a plain name is valid", "report.pdf", true},
		{"one byte is enough", "a", true},
		{"255 bytes is the most", strings.Repeat("n", 255), true},
		{"UTF-8 is fine", "résumé-日本語.txt", true},
		{"a literal U+FFFD is valid UTF-8", "\uFFFD", true},
		{"a dot inside is fine", "a.b.c", true},
		{"dashes, tildes and quotes are fine", `~a-b_c'd"e`, true},
		{"no bytes is invalid", "", false},
		{"256 bytes is too long", strings.Repeat("n", 256), false},
		{"255 bytes of multibyte UTF-8 that pass 255 is too long", strings.Repeat("é", 128), false},
		{"dot is the folder itself", ".", false},
		{"dot dot is the parent", "..", false},
		{"a leading dot is the server's", ".hidden", false},
		{"a slash makes a path", "a/b", false},
		{"a traversal makes a path", "../x", false},
		{"an absolute path", "/etc/passwd", false},
		{"a backslash", `a\b`, false},
		{"a Windows traversal", `..\x`, false},
		{"a space splits the line", "a b", false},
		{"NUL ends C strings", "a\x00b", false},
		{"a newline breaks LIST", "a\nb", false},
		{"a CR", "a\rb", false},
		{"a tab is C0", "a\tb", false},
		{"an escape is C0", "a\x1b[31m", false},
		{"DEL", "a\x7f", false},
		{"C1 NEL", "a\u0085b", false},
		{"C1 CSI", "a\u009b", false},
		{"invalid UTF-8", "a\xffb", false},
		{"a truncated UTF-8 sequence", "a\xc3", false},
		{"an overlong encoding of slash", "a\xc0\xafb", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, ValidName(tt.in))
		})
	}
}

// FuzzValidName checks ValidName against the rules stated a second way:
// a valid name never holds a byte that could build a path or break a line,
// and is what the rules say rune by rune.
func FuzzValidName(f *testing.F) {
	for _, s := range []string{"a", "..", "a/b", "a\x00", "é", "\u0085", "\xff", strings.Repeat("x", 256)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !ValidName(s) {
			return
		}
		require.False(t, len(s) < 1 || len(s) > MaxName || !utf8.ValidString(s) || s[0] == '.', "ValidName(%q) is true but breaks length, UTF-8 or the leading dot", s)
		require.False(t, strings.ContainsAny(s, " /\\\x00\n\r") || s == "." || s == "..", "ValidName(%q) is true but the name could make a path or break a line", s)
		for _, r := range s {
			require.False(t, r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f), "ValidName(%q) is true but it holds control character %U", s, r)
		}
	})
}
