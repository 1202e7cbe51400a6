package frame_test

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netlab-go/netlab/internal/frame"
)

func TestParse(t *testing.T) {
	good := []struct {
		line string
		want frame.Frame
	}{
		{"shutdown 0", frame.Frame{Verb: "shutdown"}},
		{"open 17", frame.Frame{Verb: "open", Num: 17}},
		{"answer 3 ok", frame.Frame{Verb: "answer", Num: 3, Text: "ok"}},
		{"say 7  two spaces, kept", frame.Frame{Verb: "say", Num: 7, Text: " two spaces, kept"}},
		{"deliver 18446744073709551615 x", frame.Frame{Verb: "deliver", Num: 1<<64 - 1, Text: "x"}},
	}
	for _, tc := range good {
		t.Run("the line "+tc.line+" is a frame, and is written back as it was", func(t *testing.T) {
			f, err := frame.Parse([]byte(tc.line))
			require.NoError(t, err)
			assert.Equal(t, tc.want, f)
			assert.Equal(t, tc.line+"\n", string(f.Append(nil)))
			assert.True(t, f.Valid())
		})
	}

	bad := []string{
		"", "open", "open ", "Open 1", "open -1", "open +1", "open 01", "open 1 ",
		"open x", "open 18446744073709551616", "abcdefghijklmnopq 1", " open 1", "op3n 1",
	}
	for _, line := range bad {
		t.Run("the line "+strings.ReplaceAll(line, " ", "_")+" is malformed", func(t *testing.T) {
			_, err := frame.Parse([]byte(line))
			assert.ErrorIs(t, err, frame.ErrMalformed)
		})
	}
}

func TestValid(t *testing.T) {
	assert.True(t, frame.Frame{Verb: "say", Num: 1, Text: "hi"}.Valid())
	assert.False(t, frame.Frame{Verb: "say", Num: 1, Text: "two\nlines"}.Valid(), "an LF in the text")
	assert.False(t, frame.Frame{Verb: "", Num: 1}.Valid(), "no verb")
	assert.False(t, frame.Frame{Verb: "Say", Num: 1}.Valid(), "an upper-case verb")
}

func TestReader(t *testing.T) {
	t.Run("frames are read in order, then the end of the stream", func(t *testing.T) {
		r := frame.NewReader(strings.NewReader("open 1\nanswer 1 ok\n"), 64)
		f, err := r.Read()
		require.NoError(t, err)
		assert.Equal(t, frame.Frame{Verb: "open", Num: 1}, f)
		f, err = r.Read()
		require.NoError(t, err)
		assert.Equal(t, frame.Frame{Verb: "answer", Num: 1, Text: "ok"}, f)
		_, err = r.Read()
		assert.ErrorIs(t, err, io.EOF)
	})

	t.Run("a line cut by the end of the stream is an unexpected end", func(t *testing.T) {
		_, err := frame.NewReader(strings.NewReader("open 1"), 64).Read()
		assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
	})

	t.Run("a line over the limit is too long, and is not buffered whole", func(t *testing.T) {
		_, err := frame.NewReader(strings.NewReader("say 1 "+strings.Repeat("x", 100)+"\n"), 64).Read()
		assert.ErrorIs(t, err, frame.ErrTooLong)
	})

	t.Run("without a limit a line of any length is read", func(t *testing.T) {
		long := strings.Repeat("guest ", 10000)
		f, err := frame.NewReader(strings.NewReader("answer 1 "+long+"\n"), 0).Read()
		require.NoError(t, err)
		assert.Equal(t, long, f.Text)
	})

	t.Run("a line that is not a frame is malformed", func(t *testing.T) {
		_, err := frame.NewReader(strings.NewReader("hello\n"), 64).Read()
		assert.ErrorIs(t, err, frame.ErrMalformed)
	})
}

// FuzzParse holds Parse to its promise: any bytes give a frame or an error,
// never a panic, and a line it accepts is exactly the line Append writes for
// that frame, so two different lines never mean the same frame.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{"shutdown 0", "answer 12 ok", "say 7 hi there", "open 01", "x 1 ", ""} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		fr, err := frame.Parse(line)
		if err != nil {
			if !errors.Is(err, frame.ErrMalformed) {
				t.Fatalf("Parse(%q) failed with %v, which is not ErrMalformed", line, err)
			}
			return
		}
		if !fr.Valid() {
			t.Fatalf("Parse(%q) returned %+v, which is not Valid", line, fr)
		}
		if got := fr.Append(nil); !bytes.Equal(got, append(bytes.Clone(line), '\n')) {
			t.Fatalf("Parse(%q) = %+v, which is written back as %q", line, fr, got)
		}
	})
}

// FuzzRoundTrip writes any valid frame and reads it back.
func FuzzRoundTrip(f *testing.F) {
	f.Add("answer", uint64(3), "guest-1 guest-2")
	f.Add("say", uint64(0), "")
	f.Add("tell", uint64(1<<63), " a b ")
	f.Fuzz(func(t *testing.T, verb string, num uint64, text string) {
		in := frame.Frame{Verb: verb, Num: num, Text: text}
		if !in.Valid() {
			return
		}
		out, err := frame.NewReader(bytes.NewReader(in.Append(nil)), len(text)+64).Read()
		if err != nil {
			t.Fatalf("%+v written and read back: %v", in, err)
		}
		if out != in {
			t.Fatalf("%+v written and read back as %+v", in, out)
		}
	})
}

func TestReaderBuffered(t *testing.T) {
	t.Run("a reader holds what it has read and not yet returned", func(t *testing.T) {
		r := frame.NewReader(strings.NewReader("say 1 a\nsay 2 b\n"), 0)
		_, err := r.Read()
		require.NoError(t, err)
		assert.Equal(t, len("say 2 b\n"), r.Buffered(), "after the first of two frames read at once")
		_, err = r.Read()
		require.NoError(t, err)
		assert.Zero(t, r.Buffered(), "after the last")
	})
}
