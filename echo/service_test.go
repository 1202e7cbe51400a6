package echo_test

import (
	"testing"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/echo"
	"github.com/netlab-go/netlab/netlabtest"
	"github.com/stretchr/testify/assert"
)

func TestSession(t *testing.T) {
	cases := []struct {
		name  string
		drive func(s netlab.Session)
		want  string // what the session sends
		sends int    // in how many Sends
	}{
		{
			name:  "Data sends the same bytes straight back",
			drive: func(s netlab.Session) { s.Data([]byte("hello\n")) },
			want:  "hello\n", sends: 1,
		},
		{
			name:  "Data sends binary unchanged",
			drive: func(s netlab.Session) { s.Data([]byte{0, 0xff, '\r', '\n', 0x80}) },
			want:  "\x00\xff\r\n\x80", sends: 1,
		},
		{
			name: "each Data is one Send, in order, with no framing",
			drive: func(s netlab.Session) {
				s.Data([]byte("one"))
				s.Data([]byte("two\nthree"))
				s.Data([]byte("\n"))
			},
			want: "onetwo\nthree\n", sends: 3,
		},
		{
			name: "EOF sends nothing and leaves the close to the model",
			drive: func(s netlab.Session) {
				s.Data([]byte("last"))
				s.EOF()
			},
			want: "last", sends: 1,
		},
		{
			name:  "Closed does nothing",
			drive: func(s netlab.Session) { s.Closed(netlab.ErrOverflow) },
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := netlabtest.NewConn()
			tc.drive(echo.New().Open(c))
			assert.Equal(t, tc.want, c.Take())
			assert.Equal(t, tc.sends, c.Sends(), "Send calls")
			assert.Zero(t, c.Closes(), "Close calls")
			assert.Zero(t, c.Files(), "SendFile calls")
		})
	}
}

// The service keeps no state, so one value — the zero value, even — serves
// any number of connections, each session answering on its own Conn.
func TestOneServiceServesManyConnections(t *testing.T) {
	var svc echo.Service
	a, b := netlabtest.NewConn(), netlabtest.NewConn()
	sa, sb := svc.Open(a), svc.Open(b)
	sa.Data([]byte("to a, "))
	sb.Data([]byte("to b"))
	sa.Data([]byte("a again"))
	assert.Equal(t, "to a, a again", a.Take())
	assert.Equal(t, "to b", b.Take())
}
