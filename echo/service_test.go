package echo_test

import (
	"net"
	"os"
	"slices"
	"sync"
	"testing"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/echo"
)

// fakeConn is a netlab.Conn that records what a session does with it, so
// that the service can be tested without a socket or a model.
type fakeConn struct {
	mu     sync.Mutex
	sent   []string // each Send's bytes; guarded by mu
	files  int      // SendFile calls; guarded by mu
	closes int      // Close calls; guarded by mu
}

var _ netlab.Conn = (*fakeConn)(nil)

func (f *fakeConn) Send(p []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sent = append(f.sent, string(p)) // a copy, as the contract says
	return nil
}

func (f *fakeConn) SendFile(file *os.File, _, _ int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.files++
	return file.Close()
}

func (f *fakeConn) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closes++
	return nil
}

func (f *fakeConn) RemoteAddr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)} }

func TestSession(t *testing.T) {
	cases := []struct {
		name  string
		drive func(s netlab.Session)
		want  []string // what the session sends, Send by Send
	}{
		{
			name:  "Data sends the same bytes straight back",
			drive: func(s netlab.Session) { s.Data([]byte("hello\n")) },
			want:  []string{"hello\n"},
		},
		{
			name:  "Data sends binary unchanged",
			drive: func(s netlab.Session) { s.Data([]byte{0, 0xff, '\r', '\n', 0x80}) },
			want:  []string{"\x00\xff\r\n\x80"},
		},
		{
			name: "each Data is one Send, in order, with no framing",
			drive: func(s netlab.Session) {
				s.Data([]byte("one"))
				s.Data([]byte("two\nthree"))
				s.Data([]byte("\n"))
			},
			want: []string{"one", "two\nthree", "\n"},
		},
		{
			name: "EOF sends nothing and leaves the close to the model",
			drive: func(s netlab.Session) {
				s.Data([]byte("last"))
				s.EOF()
			},
			want: []string{"last"},
		},
		{
			name:  "Closed does nothing",
			drive: func(s netlab.Session) { s.Closed(netlab.ErrOverflow) },
			want:  nil,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := &fakeConn{}
			tc.drive(echo.New().Open(c))
			if !slices.Equal(c.sent, tc.want) {
				t.Errorf("sent %q, want %q", c.sent, tc.want)
			}
			if c.closes != 0 || c.files != 0 {
				t.Errorf("%d Close and %d SendFile calls, want none", c.closes, c.files)
			}
		})
	}
}

// The service keeps no state, so one value — the zero value, even — serves
// any number of connections, each session answering on its own Conn.
func TestOneServiceServesManyConnections(t *testing.T) {
	var svc echo.Service
	a, b := &fakeConn{}, &fakeConn{}
	sa, sb := svc.Open(a), svc.Open(b)
	sa.Data([]byte("to a"))
	sb.Data([]byte("to b"))
	sa.Data([]byte("a again"))
	if want := []string{"to a", "a again"}; !slices.Equal(a.sent, want) {
		t.Errorf("a got %q, want %q", a.sent, want)
	}
	if want := []string{"to b"}; !slices.Equal(b.sent, want) {
		t.Errorf("b got %q, want %q", b.sent, want)
	}
}
