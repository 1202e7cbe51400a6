package netlabtest

import (
	"os"
	"testing"
)

// Missing ends t because a program it needs, what, is not installed. A
// fresh machine has only Go, so outside CI the test is skipped, saying how
// to install the program (install, a command). With the CI environment
// variable set the test fails instead: CI installs everything the tests
// need, and a program missing there is a fault, not a reason to skip.
func Missing(t testing.TB, what, install string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is not installed, and CI is set: CI installs it (%s)", what, install)
	}
	t.Skipf("%s is not installed (%s): this test needs it", what, install)
}
