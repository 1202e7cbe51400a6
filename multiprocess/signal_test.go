package multiprocess_test

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netlab-go/netlab/netlabtest"
)

// TestCtrlC sends SIGINT to the whole process group of a multiprocess files
// server, as a terminal does for Ctrl-C, while an upload is in flight. The
// children live in process groups of their own, so the signal reaches the
// parent alone, which shuts them down gracefully: the upload completes.
func TestCtrlC(t *testing.T) {
	t.Run("SIGINT to the server's process group lets an upload in flight complete", func(t *testing.T) {
		root := t.TempDir()
		h := startHelper(t, root)

		const size = 8 << 20
		payload := netlabtest.Pattern(size, 1)

		c := h.dial(t)
		_, err := fmt.Fprintf(c, "PUT big %d\n", size)
		require.NoError(t, err)
		_, err = c.Write(payload[:size/4])
		require.NoError(t, err)
		// Bytes have reached the child once its temporary file grows.
		netlabtest.WaitFor(t, "the upload's temporary file holds bytes", func() bool {
			for _, name := range netlabtest.HiddenFiles(t, root) {
				if fi, err := os.Stat(filepath.Join(root, name)); err == nil && fi.Size() > 0 {
					return true
				}
			}
			return false
		})

		require.NoError(t, syscall.Kill(-h.PID(), syscall.SIGINT), "SIGINT to the process group")
		// The child says when the parent's shutdown reaches it: alive, not
		// killed by the signal.
		h.AwaitLog(t, "the parent asked to shut down")

		_, err = c.Write(payload[size/4:])
		require.NoError(t, err, "the rest of the upload, after SIGINT")
		answer, err := bufio.NewReader(c).ReadString('\n')
		require.NoError(t, err, "the answer to the PUT")
		assert.Equal(t, fmt.Sprintf("OK %d %s\n", size, netlabtest.SHA256(payload)), answer)

		assert.NoError(t, h.Wait(t), "the server's exit after SIGINT")
		assert.Empty(t, h.Stderr.Matching("child crashed"), "a child died of the signal")
		assert.Empty(t, netlabtest.HiddenFiles(t, root), "temporary files left in the root")
		fi, err := os.Stat(filepath.Join(root, "big"))
		require.NoError(t, err, "the uploaded file")
		assert.EqualValues(t, size, fi.Size())
	})
}
