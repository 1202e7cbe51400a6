package echo_test

import (
	"bytes"
	"testing"

	"github.com/netlab-go/netlab/echo"
	"github.com/netlab-go/netlab/netlabtest"
)

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
			c := netlabtest.NewConn()
			s := echo.New().Open(c)
			for _, p := range pieces {
				s.Data(p)
			}
			s.EOF()
			s.Closed(nil)
			return []byte(c.String())
		}
		whole, split := echoed([][]byte{data}), echoed(netlabtest.Cut(data, cuts))
		if !bytes.Equal(whole, data) || !bytes.Equal(split, data) {
			t.Fatalf("sent %q; echoed whole %q, in pieces %q", data, whole, split)
		}
	})
}
