package workload_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if a client goroutine, a chat reader or a
// progress ticker outlives its run.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
