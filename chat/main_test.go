package chat

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/netlab-go/netlab/netlabtest"
)

// TestMain fails the package's tests if any goroutine outlives them: a
// client's reader, a server's connection.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fakeConn is the recording Conn under the name relay_test.go gives it.
type fakeConn struct{ netlabtest.Conn }

func (c *fakeConn) take() string   { return c.Take() }
func (c *fakeConn) isClosed() bool { return c.Closed() }
