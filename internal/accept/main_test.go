package accept_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if an accept loop a test started outlives it.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
