package echo_test

import (
	"bytes"
	"net"
	"os"
	"testing"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/echo"
)

// echoConn is a netlab.Conn that keeps what it is sent.
type echoConn struct{ out bytes.Buffer }

func (c *echoConn) Send(p []byte) error                   { c.out.Write(p); return nil }
func (c *echoConn) SendFile(f *os.File, _, _ int64) error { f.Close(); return netlab.ErrConnClosed }
func (c *echoConn) Close() error                          { return nil }
func (c *echoConn) RemoteAddr() net.Addr                  { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)} }

// FuzzSession feeds an echo session the same bytes whole and cut into
// pieces whose lengths come from cuts (1 to 32 bytes each; no cuts, one
// byte a piece): both must come back exactly as sent.
//
//	go test -run '^$' -fuzz FuzzSession -fuzztime 30s ./echo/
func FuzzSession(f *testing.F) {
	f.Add([]byte("hello\n"), []byte{})
	f.Add([]byte("\x00\xff\r\n binary \x1b[2J"), []byte{3, 1, 30})
	f.Fuzz(func(t *testing.T, data, cuts []byte) {
		echoed := func(pieces [][]byte) []byte {
			c := &echoConn{}
			s := echo.New().Open(c)
			for _, p := range pieces {
				s.Data(p)
			}
			s.EOF()
			s.Closed(nil)
			return c.out.Bytes()
		}
		var pieces [][]byte
		for i, p := 0, data; len(p) > 0; i++ {
			n := 1
			if len(cuts) > 0 {
				n = int(cuts[i%len(cuts)])%32 + 1
			}
			n = min(n, len(p))
			pieces = append(pieces, p[:n])
			p = p[n:]
		}
		whole, split := echoed([][]byte{data}), echoed(pieces)
		if !bytes.Equal(whole, data) || !bytes.Equal(split, data) {
			t.Fatalf("sent %q; echoed whole %q, in pieces %q", data, whole, split)
		}
	})
}
