package tempconv_test

import (
	"os"
	"testing"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/internal/models"
	"github.com/netlab-go/netlab/netlabtest"
	"github.com/netlab-go/netlab/tempconv"
)

// The converter runs unchanged under every model: the same transcript,
// byte for byte.
func TestEveryModel(t *testing.T) {
	for _, m := range models.All {
		t.Run(m.Name, func(t *testing.T) {
			netlabtest.RunTranscripts(t, os.DirFS("testdata"), ".", func(t *testing.T) string {
				addr, _ := netlabtest.Start(t, m.With(models.Flags{}), tempconv.New(), netlab.Config{})
				return addr
			})
		})
	}
}
