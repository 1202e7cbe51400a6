package tempconv_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/netlab-go/netlab/netlabtest"
	"github.com/netlab-go/netlab/tempconv"
)

func TestReply(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"100", "212\n"},
		{"0", "32\n"},
		{"-40", "-40\n"},
		{"36.6", "97.88\n"},
		{"21.5", "70.7\n"},
		{"+37", "98.6\n"},
		{".5", "32.9\n"},
		{"5.", "41\n"},
		{"-17.7778", "0\n"},
		{"-273.15", "-459.67\n"},
		{"1000000000", "1800000032\n"},
		{" \t 20 \t", "68\n"},
		{"", ""},
		{"  ", ""},
		{"-273.16", "! out of range\n"},
		{"1000000000.01", "! out of range\n"},
		{"warm", "! not a number\n"},
		{"20C", "! not a number\n"},
		{"1e3", "! not a number\n"},
		{"Inf", "! not a number\n"},
		{"0x10", "! not a number\n"},
		{"1,5", "! not a number\n"},
		{"1.2.3", "! not a number\n"},
		{"-", "! not a number\n"},
		{".", "! not a number\n"},
		{"2 0", "! not a number\n"},
		{"\xff", "! not a number\n"},
	} {
		assert.Equal(t, tc.want, tempconv.Reply([]byte(tc.in)), "Reply(%q)", tc.in)
	}
}

func TestSession(t *testing.T) {
	feed := func(chunks ...string) *netlabtest.Conn {
		c := netlabtest.NewConn()
		s := tempconv.New().Open(c)
		for _, p := range chunks {
			s.Data([]byte(p))
		}
		s.EOF()
		s.Closed(nil)
		return c
	}
	long := strings.Repeat("1", tempconv.MaxLine)

	t.Run("each line gets one line back, in order", func(t *testing.T) {
		assert.Equal(t, "212\n32\n! not a number\n", feed("100\n0\nhot\n").Take())
	})
	t.Run("a line may arrive in any pieces and a CR before its LF is dropped", func(t *testing.T) {
		assert.Equal(t, "212\n-40\n", feed("1", "0", "0\r", "\n-4", "0\r\n").Take())
	})
	t.Run("a last line without LF is answered at EOF", func(t *testing.T) {
		assert.Equal(t, "212\n", feed("100").Take())
	})
	t.Run("a line of MaxLine bytes is read, one longer is refused and skipped to its LF", func(t *testing.T) {
		assert.Equal(t, "! out of range\n", feed(long+"\r\n").Take())
		assert.Equal(t, "! line too long\n212\n", feed(long+"1\n100\n").Take())
		assert.Equal(t, "! line too long\n212\n", feed(long, "11", "1111\n100\n").Take())
		assert.Equal(t, "! line too long\n", feed(long+"11").Take(), "an over-long last line at EOF")
	})
	t.Run("an empty line gets nothing, so it can keep a connection alive", func(t *testing.T) {
		assert.Equal(t, "212\n", feed("\n\r\n \t\n100\n").Take())
	})
}
