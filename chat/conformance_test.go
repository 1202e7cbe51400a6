package chat_test

import (
	"testing"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/internal/conformance"
	"github.com/netlab-go/netlab/iterative"
)

// iterativeModel serves one client at a time; the conformance suite shows
// its head-of-line blocking instead of running the multi-client tests.
var iterativeModel = conformance.Model{Name: "iterative", Serial: true, New: func(svc netlab.Service, cfg netlab.Config) (netlab.Server, error) {
	return iterative.New(svc, cfg), nil
}}

// TestConformance holds the chat service to PROTOCOLS.md, through raw TCP,
// on the two models whose packages it may import without a cycle. The
// module's compare_test.go runs the same suite over every model.
func TestConformance(t *testing.T) {
	for _, m := range []conformance.Model{iterativeModel, perconnModel} {
		t.Run(m.Name, func(t *testing.T) {
			conformance.Chat(t, m)
		})
	}
}
