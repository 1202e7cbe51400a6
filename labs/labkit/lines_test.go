package labkit_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/netlab-go/netlab/labs/labkit"
	"github.com/netlab-go/netlab/netlabtest"
)

func TestLines(t *testing.T) {
	for _, tc := range []struct {
		name string
		cuts []string
		want []string
		rest string // "" for no last line
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
			var got []string
			for _, p := range tc.cuts {
				l.Feed([]byte(p), func(line []byte) { got = append(got, string(line)) })
			}
			assert.Equal(t, tc.want, got)
			rest, ok := l.Rest()
			assert.Equal(t, tc.rest != "", ok, "whether there is a last line")
			assert.Equal(t, tc.rest, string(rest))
		})
	}
	t.Run("one byte at a time", func(t *testing.T) {
		var l labkit.Lines
		var got []string
		for _, p := range netlabtest.Cut([]byte("ab\r\ncd\n"), nil) {
			l.Feed(p, func(line []byte) { got = append(got, string(line)) })
		}
		assert.Equal(t, []string{"ab", "cd"}, got)
	})
}
