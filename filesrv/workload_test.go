package filesrv_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/filesrv"
	"github.com/netlab-go/netlab/internal/workload"
)

// TestWorkload checks the download load `netlab compare` and `netlab load`
// run, both
// with the file prepared in the folder and with it uploaded on demand.
func TestWorkload(t *testing.T) {
	for _, prepared := range []bool{true, false} {
		name := "with the file uploaded through the server"
		if prepared {
			name = "with the file prepared in the folder"
		}
		t.Run(name, func(t *testing.T) {
			addr, dir := serve(t, filesrv.Options{}, netlab.Config{})
			const size = 256 << 10
			if prepared {
				if _, err := workload.PrepareFile(dir, size); err != nil {
					t.Fatal(err)
				}
			}
			rep, err := workload.Load(t.Context(), workload.Spec{Addr: addr, Service: workload.ServiceFiles, Clients: 2, Requests: 3, Size: size})
			require.NoError(t, err)
			assert.EqualValues(t, 6, rep.Requests, "want 6 downloads of %d bytes", size)
			assert.EqualValues(t, 6*size, rep.Bytes, "want 6 downloads of %d bytes", size)
			assert.Zero(t, rep.Errors)
		})
	}
}
