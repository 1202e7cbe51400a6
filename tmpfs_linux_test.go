package netlab_test

import (
	"syscall"
	"testing"
)

// mountSmallTmpfs mounts a tmpfs of the given size on a fresh folder and
// unmounts it when the test ends, or skips the test where mounting is not
// allowed (not root, or in a container without CAP_SYS_ADMIN).
func mountSmallTmpfs(t *testing.T, size string) string {
	t.Helper()
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size="+size); err != nil {
		t.Skipf("cannot mount a tmpfs of %s on %s (%v): this needs root; "+
			"filesrv's TestPutOnAFullDisk covers ERR no space with an injected ENOSPC", size, dir, err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, syscall.MNT_DETACH); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	return dir
}
