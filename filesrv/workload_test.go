package filesrv_test

import (
	"testing"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/filesrv"
	"github.com/netlab-go/netlab/internal/workload"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestWorkload checks the download workload `netlab compare` runs, both
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
			res, err := workload.Files(t.Context(), addr, 2, size, 6)
			require.NoError(t, err)
			assert.EqualValues(t, 6, res.Ops, "result %+v (%.1f MB/s), want 6 downloads of %d bytes", res, res.MBPerSec(), size)
			assert.EqualValues(t, 6*size, res.Bytes, "result %+v (%.1f MB/s), want 6 downloads of %d bytes", res, res.MBPerSec(), size)
			assert.False(t, res.MBPerSec() <= 0, "result %+v (%.1f MB/s), want 6 downloads of %d bytes", res, res.MBPerSec(), size)
		})
	}
}
