package blocking_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if any goroutine outlives its tests: a
// connection's reader or writer, a refused client's goodbye, an accept loop.
// Every Shutdown and Close must have waited for all of them.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
