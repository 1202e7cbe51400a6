package web_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any goroutine outlives them: a
// connection's reader or writer, an HTTP server, a browser's pipes.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
