package enginebench_test

import (
	"os"
	"testing"

	"go.uber.org/goleak"

	"github.com/netlab-go/netlab/multiprocess"
)

func TestMain(m *testing.M) {
	// The multiprocess model re-executes this test binary for its children.
	if multiprocess.IsChild() {
		os.Exit(multiprocess.RunChild())
	}
	if role := os.Getenv(helperEnv); role != "" {
		os.Exit(runHelper(role, os.Args))
	}
	goleak.VerifyTestMain(m)
}
