package netlabtest

import (
	"os"
	"testing"

	"go.uber.org/goleak"
)

// A Role is a part a test binary plays when it is run again as a process of
// its own — a multiprocess child, a server a test sends signals to — in the
// helper-process pattern of os/exec's tests. Plays reports whether this
// process is to play it (an environment variable says so); Run plays it and
// returns the process's exit code.
type Role struct {
	Plays func() bool
	Run   func() int
}

// Main is a TestMain. The first of roles that this process plays runs
// before the testing package parses a flag, and the process exits with its
// code. Otherwise the tests run, and the package fails if a goroutine
// outlives them ([goleak.VerifyTestMain]).
func Main(m *testing.M, roles ...Role) {
	for _, r := range roles {
		if r.Plays() {
			os.Exit(r.Run())
		}
	}
	goleak.VerifyTestMain(m)
}
