package enginebench_test

import (
	"os"
	"testing"

	"github.com/netlab-go/netlab/multiprocess"
	"github.com/netlab-go/netlab/netlabtest"
)

func TestMain(m *testing.M) {
	netlabtest.Main(m,
		// The multiprocess model re-executes this test binary for its children.
		netlabtest.Role{Plays: multiprocess.IsChild, Run: multiprocess.RunChild},
		netlabtest.Role{
			Plays: func() bool { return os.Getenv(helperEnv) != "" },
			Run:   func() int { return runHelper(os.Getenv(helperEnv), os.Args) },
		},
	)
}
