package filesrv_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/filesrv"
	"github.com/netlab-go/netlab/internal/models"
	"github.com/netlab-go/netlab/netlabtest"
)

// reference builds the model a service's tests run under.
var reference = models.Reference().With(models.Flags{})

// serve starts a files server under the reference model over a fresh folder and returns
// its address and the folder. Both are cleaned up when the test ends.
func serve(t testing.TB, opts filesrv.Options, cfg netlab.Config) (addr, dir string) {
	t.Helper()
	dir = t.TempDir()
	svc, err := filesrv.New(dir, opts)
	require.NoError(t, err)
	t.Cleanup(func() { svc.Close() }) // runs after the server's shutdown, registered below
	addr, _ = netlabtest.Start(t, reference, svc, cfg)
	return addr, dir
}

// dial returns a client of addr that is closed when the test ends.
func dial(t testing.TB, addr string) *filesrv.Client {
	t.Helper()
	c, err := filesrv.Dial(t.Context(), addr)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c
}

func assertContent(t testing.TB, path string, want []byte) {
	t.Helper()
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	require.True(t, bytes.Equal(got, want), "%s: %d bytes with SHA-256 %s, want %d bytes with %s", filepath.Base(path), len(got), netlabtest.SHA256(got)[:12], len(want), netlabtest.SHA256(want)[:12])
}
