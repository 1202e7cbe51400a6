package filesrv_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if a test leaves a goroutine behind: every
// server a test starts must be shut down, every client transfer finished.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
