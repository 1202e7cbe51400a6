package echo_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if any goroutine outlives its tests: the
// servers the tests start, and the writer a large Echo runs beside its read.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
