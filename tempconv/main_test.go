package tempconv_test

import (
	"testing"

	"github.com/netlab-go/netlab/multiprocess"
	"github.com/netlab-go/netlab/netlabtest"
)

// TestMain is also the multiprocess model's children: the model re-executes
// this test binary for each.
func TestMain(m *testing.M) {
	netlabtest.Main(m, netlabtest.Role{Plays: multiprocess.IsChild, Run: multiprocess.RunChild})
}
