package labkit_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/netlab-go/netlab/labs/labkit"
	"github.com/netlab-go/netlab/netlabtest"
)

// framed feeds l each of pieces, as a model hands a session its reads,
// and returns the lines l handed back.
func framed(l *labkit.Lines, pieces ...[]byte) []string {
	var lines []string
	for _, p := range pieces {
		l.Feed(p, func(line []byte) { lines = append(lines, string(line)) })
	}
	return lines
}

func TestLines(t *testing.T) {
	for _, tc := range []struct {
		name   string
		pieces []string
		want   []string
		rest   string // "" for no last line
	}{
		{"a line in one read is one line", []string{"hello\n"}, []string{"hello"}, ""},
		{"two lines in one read are two lines", []string{"one\ntwo\n"}, []string{"one", "two"}, ""},
		{"a line cut across reads arrives whole", []string{"hel", "lo", "\n"}, []string{"hello"}, ""},
		{"a CR before the LF is dropped", []string{"dos\r\n"}, []string{"dos"}, ""},
		{"a last line without LF is the rest", []string{"done\nlast"}, []string{"done"}, "last"},
		{"an empty line is a line", []string{"\n"}, []string{""}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var l labkit.Lines
			var pieces [][]byte
			for _, p := range tc.pieces {
				pieces = append(pieces, []byte(p))
			}
			assert.Equal(t, tc.want, framed(&l, pieces...))
			rest, ok := l.Rest()
			assert.Equal(t, tc.rest != "", ok, "whether there is a last line")
			assert.Equal(t, tc.rest, string(rest))
		})
	}
	t.Run("lines fed one byte at a time arrive whole", func(t *testing.T) {
		var l labkit.Lines
		assert.Equal(t, []string{"ab", "cd"}, framed(&l, netlabtest.Cut([]byte("ab\r\ncd\n"), nil)...))
	})
}
