package netlabtest

import (
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
)

// ExhaustDescriptors runs f while this process cannot open one more file:
// it lowers the soft RLIMIT_NOFILE to at most 1024 and takes every
// descriptor under it, and gives both back before it returns. Everything in
// the process is starved meanwhile, so no test may run in parallel with it;
// a server that must be starved while the test process is not belongs in a
// process of its own.
func ExhaustDescriptors(t testing.TB, f func()) {
	t.Helper()
	var old syscall.Rlimit
	require.NoError(t, syscall.Getrlimit(syscall.RLIMIT_NOFILE, &old))
	low := old
	low.Cur = min(old.Cur, 1024)
	require.NoError(t, syscall.Setrlimit(syscall.RLIMIT_NOFILE, &low))
	var held []int
	defer func() {
		for _, fd := range held {
			syscall.Close(fd)
		}
		require.NoError(t, syscall.Setrlimit(syscall.RLIMIT_NOFILE, &old))
	}()
	for {
		fd, err := syscall.Open("/dev/null", syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if err != nil {
			require.ErrorIs(t, err, syscall.EMFILE)
			break
		}
		held = append(held, fd)
		require.Less(t, len(held), 1024, "the limit of 1024 descriptors is not enforced")
	}
	f()
}
