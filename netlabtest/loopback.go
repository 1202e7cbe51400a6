package netlabtest

import (
	"fmt"
	"net"

	"github.com/netlab-go/netlab"
)

// Loopback serves srv, which the caller has built, on a fresh port of
// 127.0.0.1, as [net/http/httptest.NewServer] serves a handler: it is for
// an Example or a helper process, which has no *testing.T to fail, and so
// it panics if it cannot listen. The caller must Stop it.
func Loopback(srv netlab.Server) *Running {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(fmt.Sprintf("netlabtest: listen on a loopback port: %v", err))
	}
	return serveOn(srv, l)
}
