package multiprocess_test

import (
	"os"
	"testing"

	"go.uber.org/goleak"

	"github.com/netlab-go/netlab/multiprocess"
)

// TestMain is also every child's main: the server re-executes this test
// binary, which must take the child's branch before the testing package
// parses flags or runs a test. A test that needs a whole server in a
// process of its own (to send its process group a signal, or to lower its
// descriptor limit) runs this binary again as a helper, which serves and
// exits (see helper_test.go); so do the benchmarks (benchserver_test.go).
// Otherwise goleak fails the package if a goroutine outlives the tests: a
// child's watcher, a relay.
func TestMain(m *testing.M) {
	switch {
	case multiprocess.IsChild():
		os.Exit(multiprocess.RunChild())
	case isBenchExit():
		os.Exit(0)
	case isHelper():
		os.Exit(runHelper())
	case isBenchServer():
		os.Exit(runBenchServer())
	}
	goleak.VerifyTestMain(m)
}
