package filesrv_test

import (
	"testing"

	"github.com/netlab-go/netlab/internal/conformance"
)

// TestConformance holds the files service to docs/protocols.md through raw
// TCP, golden transcripts included.
func TestConformance(t *testing.T) { conformance.OwnTests(t, conformance.Files) }
