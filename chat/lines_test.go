package chat

import (
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"strings"
	"testing"
)

// collect feeds the splitter and returns what it yielded, a too-long line
// written as "<too long>".
func collect(s *lineSplitter, p string) []string {
	var got []string
	for line, err := range s.lines([]byte(p)) {
		if err != nil {
			got = append(got, "<too long>")
			continue
		}
		got = append(got, string(line))
	}
	return got
}

func TestLineSplitter(t *testing.T) {
	tests := []struct {
		name   string
		max    int
		chunks []string
		want   []string
	}{
		{"a line in one chunk comes out whole", 8, []string{"abc\n"}, []string{"abc"}},
		{"a line cut anywhere comes out whole", 8, []string{"a", "b", "c\r", "\n"}, []string{"abc"}},
		{"a CR split from its LF is still dropped", 8, []string{"abc\r", "\nd\n"}, []string{"abc", "d"}},
		{"an empty line is a line", 8, []string{"\n\r\n"}, []string{"", ""}},
		{"a line of exactly max bytes passes", 4, []string{"abcd\n"}, []string{"abcd"}},
		{"max bytes and a CR may still end well", 4, []string{"abcd\r", "\n"}, []string{"abcd"}},
		{"max bytes and a CR then more is too long", 4, []string{"abcd\r", "x\nok\n"}, []string{"<too long>", "ok"}},
		{"one byte over max is too long", 4, []string{"abcde\nok\n"}, []string{"<too long>", "ok"}},
		{"one byte over max in pieces is too long once", 4, []string{"ab", "cd", "e", "fgh", "\nok\n"}, []string{"<too long>", "ok"}},
		{"an unfinished line waits", 8, []string{"abc"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &lineSplitter{max: tt.max}
			var got []string
			for _, c := range tt.chunks {
				got = append(got, collect(s, c)...)
			}
			assert.False(t, strings.Join(got, "|") != strings.Join(tt.want, "|"), "got %q, want %q", got, tt.want)
		})
	}
}

// TestLineSplitterHoldsNoMoreThanTheLimit feeds a megabyte with no LF, one
// byte and then one big chunk at a time: the splitter must never hold more
// than max+1 bytes of it.
func TestLineSplitterHoldsNoMoreThanTheLimit(t *testing.T) {
	for _, size := range []int{1, 1000, 1 << 20} {
		s := &lineSplitter{max: MaxLine}
		big := strings.Repeat("y", size)
		errs := 0
		for sent := 0; sent < 1<<20; sent += size {
			for _, err := range s.lines([]byte(big)) {
				if err != nil {
					errs++
				}
			}
			require.False(t, len(s.partial) > MaxLine+1, "chunks of %d: holding %d bytes (capacity %d) after %d sent", size, len(s.partial), cap(s.partial), sent+size)
			require.False(t, cap(s.partial) > 2*(MaxLine+1), "chunks of %d: holding %d bytes (capacity %d) after %d sent", size, len(s.partial), cap(s.partial), sent+size)
		}
		assert.EqualValues(t, 1, errs, "chunks of %d: %d too-long reports, want 1", size, errs)
		if got := collect(s, "\nafter\n"); strings.Join(got, "|") != "after" {
			t.Errorf("chunks of %d: after the LF got %q, want [after]", size, got)
		}
	}
}

// TestLineSplitterStopsWhenTold checks that a caller that stops (a /quit)
// sees nothing more from the same chunk.
func TestLineSplitterStopsWhenTold(t *testing.T) {
	s := &lineSplitter{max: 8}
	var got []string
	for line := range s.lines([]byte("a\nb\nc\n")) {
		got = append(got, string(line))
		if string(line) == "b" {
			break
		}
	}
	assert.False(t, strings.Join(got, "|") != "a|b", "got %q, want [a b]", got)
}
