package multiprocess_test

import (
	"testing"

	"github.com/netlab-go/netlab/multiprocess"
	"github.com/netlab-go/netlab/netlabtest"
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
	netlabtest.Main(m,
		netlabtest.Role{Plays: multiprocess.IsChild, Run: multiprocess.RunChild},
		netlabtest.Role{Plays: isBenchExit, Run: func() int { return 0 }},
		netlabtest.Role{Plays: isHelper, Run: runHelper},
		netlabtest.Role{Plays: isBenchServer, Run: runBenchServer})
}
