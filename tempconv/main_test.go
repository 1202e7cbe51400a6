package tempconv_test

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
	goleak.VerifyTestMain(m)
}
