package enginebench_test

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/netlab-go/netlab/filesrv"
	"github.com/netlab-go/netlab/internal/models"
)

// downloadSize is the benchmark's file: large enough that the request, the
// reply line and the connection's set-up vanish beside the copy.
const downloadSize = 1 << 30

// BenchmarkDownload measures one 1 GiB GET at a time, from the page cache
// to a client that throws the bytes away, under every model and under the
// bare reference (model=sendfile: one io.Copy to the socket, sendfile(2)
// as large as the socket takes). Each server runs in a process of its own.
// The file is sparse, so that preparing it writes nothing to disk: its
// pages are zeros in the page cache, which sendfile copies as it copies
// any other.
//
// MB/s is wall-clock, and with the client on the same two cores it is the
// pair's rate, not the server's alone; server-ms/GiB is the server's CPU
// time per download. Compare a model with model=sendfile from the same
// run; to alternate the servers, run the binary in a loop (-count would
// repeat each back to back):
//
//	go test -c -o eb.test ./internal/enginebench/ && cd internal/enginebench
//	for i in 1 2 3; do ../../eb.test -test.run '^$' -test.bench Download -test.benchtime 2x; done | tee dl.txt
//	benchstat -col /model dl.txt
func BenchmarkDownload(b *testing.B) {
	root := b.TempDir()
	name := "big.bin"
	f, err := os.Create(filepath.Join(root, name))
	require.NoError(b, err)
	require.NoError(b, f.Truncate(downloadSize))
	require.NoError(b, f.Close())

	for _, model := range append([]string{"sendfile"}, models.Names()...) {
		b.Run("model="+model, func(b *testing.B) {
			role := []string{"serve", model, "files", root}
			if model == "sendfile" {
				role = []string{"sendfile", root}
			}
			h, addr := startHelper(b, role[0], role[1:]...)
			c, err := filesrv.Dial(b.Context(), addr)
			require.NoError(b, err)
			defer c.Close()
			get := func() {
				t, err := c.Download(b.Context(), name, io.Discard, filesrv.DownloadOptions{NoVerify: true})
				require.NoError(b, err, "download under %s", model)
				require.Equal(b, int64(downloadSize), t.Size, "download under %s", model)
			}
			get() // warm up: the page cache holds the file, the connection is open
			cpu0 := h.CPU(b)
			b.SetBytes(downloadSize)
			for b.Loop() {
				get()
			}
			cpu := h.CPU(b) - cpu0
			b.ReportMetric(float64(cpu.Milliseconds())/float64(b.N), "server-ms/GiB")
		})
	}
}

// TestBareSendfile checks the reference speaks enough of the files
// protocol for filesrv's client, with the right bytes.
func TestBareSendfile(t *testing.T) {
	root := t.TempDir()
	want := []byte(fmt.Sprintf("%0999d\n", 7))
	require.NoError(t, os.WriteFile(filepath.Join(root, "a.txt"), want, 0o644))
	_, addr := startHelper(t, "sendfile", root)
	c, err := filesrv.Dial(t.Context(), addr)
	require.NoError(t, err)
	defer c.Close()
	var got bytes.Buffer
	_, err = c.Download(t.Context(), "a.txt", &got, filesrv.DownloadOptions{NoVerify: true})
	require.NoError(t, err)
	require.Equal(t, want, got.Bytes())
}
