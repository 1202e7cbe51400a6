package main

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/internal/models"
	"github.com/netlab-go/netlab/netlabtest"
)

// startService serves the service called name, built from f by the same
// table `netlab serve` reads, under the reference model until the test
// ends, and returns its address.
func startService(t *testing.T, name string, f models.Flags) string {
	t.Helper()
	se, err := models.LookupService(name)
	require.NoError(t, err)
	svc, cleanup, err := se.New(f)
	require.NoError(t, err)
	t.Cleanup(func() { cleanup() }) // after the server's shutdown, registered below
	addr, _ := netlabtest.Start(t, models.Reference().With(f), svc, netlab.Config{})
	return addr
}
