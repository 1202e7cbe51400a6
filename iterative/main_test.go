package iterative_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if any goroutine outlives its tests: the
// connection being served and its writer must be gone once Shutdown returns.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
