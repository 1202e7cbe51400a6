//go:build !linux

package netlab_test

import "testing"

// mountSmallTmpfs skips the test: mounting a tmpfs of a chosen size is
// Linux's.
func mountSmallTmpfs(t *testing.T, size string) string {
	t.Skipf("a tmpfs of %s needs Linux; filesrv's TestPutOnAFullDisk covers ERR no space with an injected ENOSPC", size)
	return ""
}
