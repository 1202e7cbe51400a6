package pythontogo

import (
	"fmt"
	"os"
	"testing"

	"go.uber.org/goleak"

	"github.com/netlab-go/netlab/multiprocess"
)

// envChild makes the test binary a child process of
// Example_multiprocessingProcess.
const envChild = "PYTHONTOGO_CHILD"

func TestMain(m *testing.M) {
	if name := os.Getenv(envChild); name != "" {
		fmt.Printf("%s ran in process %d\n", name, os.Getpid())
		os.Exit(0)
	}
	if multiprocess.IsChild() {
		os.Exit(multiprocess.RunChild())
	}
	goleak.VerifyTestMain(m)
}
