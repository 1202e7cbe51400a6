package eventloop_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if any goroutine outlives the tests: every
// Shutdown and Close must have stopped every loop.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
