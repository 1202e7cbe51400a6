package chat

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any goroutine outlives them: a
// client's reader, a server's connection.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
