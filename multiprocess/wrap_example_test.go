package multiprocess_test

import (
	"bufio"
	"bytes"
	"fmt"
	"net"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/multiprocess"
	"github.com/netlab-go/netlab/multiprocess/services"
	"github.com/netlab-go/netlab/netlabtest"
)

// The wrapper is registered from an init function, so that a child, which
// is this same binary run again, finds it by name before it builds its
// service.
func init() {
	multiprocess.RegisterWrapper("example-shout", func(svc netlab.Service, env multiprocess.Env) (netlab.Service, error) {
		return shouting{svc}, nil
	})
}

// shouting is a service that sends what the service it wraps sends, in
// capitals.
type shouting struct{ netlab.Service }

func (s shouting) Open(c netlab.Conn) netlab.Session { return s.Service.Open(shoutConn{c}) }

func (s shouting) BusyReply() []byte { return netlab.BusyReplyOf(s.Service) }

type shoutConn struct{ netlab.Conn }

func (c shoutConn) Send(p []byte) error { return c.Conn.Send(bytes.ToUpper(p)) }

// A wrapper changes the sessions the children serve: here every echo reply
// comes back in capitals. Wrapping the service handed to New would change
// nothing, since the sessions run in the children; netlab serve's -log
// works this way under this model.
func ExampleRegisterWrapper() {
	srv, err := multiprocess.New(services.Echo(), netlab.Config{}, multiprocess.Options{
		Wrap: multiprocess.Wrap{Wrapper: "example-shout"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	running := netlabtest.Loopback(srv)
	defer running.Stop()

	c, err := net.Dial("tcp", running.Addr)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	fmt.Fprintln(c, "hello from a child")
	readLine(bufio.NewReader(c))
	// Output:
	// HELLO FROM A CHILD
}
