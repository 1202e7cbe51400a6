package conformance

import (
	"flag"
	"testing"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/netlabtest"
)

var update = flag.Bool("update", false, "rewrite the expected lines of golden transcripts from what the server sends")

// RunTranscripts runs every golden transcript in dir of [netlabtest.Golden]
// ("echo", "chat/single", "chat/multi", "files") as a subtest, each against
// a fresh server of model m serving a fresh service from newService. With
// -update it rewrites the golden files in the source tree instead of
// failing on a difference.
func RunTranscripts(t *testing.T, m Model, dir string, newService func(t testing.TB) netlab.Service, cfg netlab.Config) {
	t.Helper()
	var opts []netlabtest.TranscriptOption
	if *update {
		root := netlabtest.GoldenDir()
		if root == "" {
			t.Fatal("-update: the golden files' folder is unknown in a binary built with -trimpath")
		}
		opts = append(opts, netlabtest.RewriteTo(root))
	}
	netlabtest.RunTranscripts(t, netlabtest.Golden(), dir, func(t *testing.T) string {
		addr, _ := Start(t, m, newService(t), cfg)
		return addr
	}, opts...)
}
