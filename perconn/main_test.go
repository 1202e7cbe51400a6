package perconn_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if any goroutine outlives its tests: every
// connection's reader and writer must be gone once Shutdown returns.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
