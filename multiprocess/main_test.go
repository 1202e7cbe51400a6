package multiprocess_test

import (
	"os"
	"testing"

	"go.uber.org/goleak"

	"github.com/netlab-go/netlab/multiprocess"
)

// TestMain is also every child's main: the server re-executes this test
// binary, which must take the child's branch before the testing package
// parses flags or runs a test. Then goleak fails the package if a
// goroutine outlives the tests: a child's watcher, a relay.
func TestMain(m *testing.M) {
	if multiprocess.IsChild() {
		os.Exit(multiprocess.RunChild())
	}
	goleak.VerifyTestMain(m)
}
