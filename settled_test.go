//go:build linux

package netlab_test

import (
	"testing"

	"github.com/netlab-go/netlab/internal/conformance"
)

// TestFilesSettledDetails holds every model to the settled details of
// docs/protocols.md that need a folder prepared on disk, or a disk that
// misbehaves, and so cannot be golden transcripts (those are in
// netlabtest/testdata/files/settled.txt and netlabtest/testdata/chat/*/settled.txt):
// [conformance.FilesOnDisk], over the table of models.
func TestFilesSettledDetails(t *testing.T) {
	for _, m := range table {
		t.Run(m.Name, func(t *testing.T) { conformance.FilesOnDisk(t, m) })
	}
}
