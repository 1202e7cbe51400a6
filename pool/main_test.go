package pool_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any goroutine outlives them: a server
// that has shut down must have waited for every worker, writer and lingering
// refusal it started.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
