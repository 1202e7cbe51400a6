package pythontogo

import (
	"fmt"
	"os"
	"testing"

	"github.com/netlab-go/netlab/multiprocess"
	"github.com/netlab-go/netlab/netlabtest"
)

// envChild makes the test binary a child process of
// Example_multiprocessingProcess.
const envChild = "PYTHONTOGO_CHILD"

func TestMain(m *testing.M) {
	netlabtest.Main(m,
		netlabtest.Role{Plays: func() bool { return os.Getenv(envChild) != "" }, Run: runChild},
		netlabtest.Role{Plays: multiprocess.IsChild, Run: multiprocess.RunChild})
}

// runChild is the child of Example_multiprocessingProcess: it says who it
// is and exits.
func runChild() int {
	fmt.Printf("%s ran in process %d\n", os.Getenv(envChild), os.Getpid())
	return 0
}
