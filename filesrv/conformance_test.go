package filesrv_test

import (
	"testing"

	"github.com/netlab-go/netlab/internal/conformance"
)

// TestConformance runs the black-box files suite, golden transcripts
// included, on the two blocking models. compare_test.go runs it on every
// model; this keeps the service honest on its own.
func TestConformance(t *testing.T) {
	for _, m := range []conformance.Model{iterativeModel, perconnModel} {
		t.Run(m.Name, func(t *testing.T) {
			conformance.Files(t, m)
		})
	}
}
