package filesrv_test

import (
	"testing"

	"github.com/netlab-go/netlab/internal/conformance"
	"github.com/netlab-go/netlab/internal/models"
)

// TestConformance holds the files service to docs/protocols.md, through raw
// TCP, on the reference model and on the one that serves a client at a
// time. The module's compare_test.go runs the same suite over every model.
func TestConformance(t *testing.T) {
	for _, m := range []models.Model{models.OneAtATime(), models.Reference()} {
		t.Run(m.Name, func(t *testing.T) {
			conformance.Files(t, conformance.Of(m, models.Flags{}))
		})
	}
}
