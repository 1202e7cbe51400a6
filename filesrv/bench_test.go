package filesrv_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/filesrv"
	"github.com/netlab-go/netlab/internal/workload"
	"github.com/netlab-go/netlab/netlabtest"
)

// benchSize is the size of the file the GET benchmarks send: 64 MiB, or
// NETLAB_BENCH_SIZE (a number of bytes, or with a MiB/GiB suffix) for the
// measurement the docs quote:
//
//	NETLAB_BENCH_SIZE=1GiB go test -run '^$' -bench GETvsBare -benchtime 5x ./filesrv/
func benchSize(b *testing.B) int64 {
	v := os.Getenv("NETLAB_BENCH_SIZE")
	if v == "" {
		return 64 << 20
	}
	mult := int64(1)
	for suffix, m := range map[string]int64{"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30} {
		if n := len(v) - len(suffix); n > 0 && v[n:] == suffix {
			v, mult = v[:n], m
		}
	}
	n, err := strconv.ParseInt(v, 10, 64)
	require.NoError(b, err, "NETLAB_BENCH_SIZE=%q: want a size like 1GiB", os.Getenv("NETLAB_BENCH_SIZE"))
	require.False(b, n <= 0, "NETLAB_BENCH_SIZE=%q: want a size like 1GiB", os.Getenv("NETLAB_BENCH_SIZE"))
	return n * mult
}

// BenchmarkGETvsBare measures what our server costs on top of sendfile: a
// large GET through filesrv on perconn, against two bare servers that
// speak just enough of the protocol to answer GET, one sending with
// io.Copy(conn, file) (which Go turns into sendfile(2)) and one forcing the
// bytes through a 32 KiB user-space buffer, as io.Copy does when there is
// no zero-copy path. Each iteration downloads the file once from each,
// in turn, so a noisy machine slows all three alike; the ratios are
// reported as metrics.
func BenchmarkGETvsBare(b *testing.B) {
	size := benchSize(b)
	dir := b.TempDir()
	name, err := workload.PrepareFile(dir, size)
	require.NoError(b, err)
	warm(b, filepath.Join(dir, name)) // all three read from the page cache

	svc, err := filesrv.New(dir, filesrv.Options{})
	require.NoError(b, err)
	b.Cleanup(func() { svc.Close() })
	ours, _ := netlabtest.Start(b, reference, svc, netlab.Config{})
	servers := []struct {
		name string
		addr string
	}{
		{"filesrv", ours},
		{"sendfile", bareServer(b, dir, sendfileCopy)},
		{"userspace", bareServer(b, dir, userspaceCopy)},
	}
	clients := make([]*getClient, len(servers))
	for i, s := range servers {
		clients[i] = newGetClient(b, s.addr)
	}
	elapsed := make([]time.Duration, len(servers))
	b.SetBytes(size * int64(len(servers)))
	i := 0
	for b.Loop() {
		// Rotate who goes first, so no server always gets the
		// freshly-idle machine.
		for j := range servers {
			k := (i + j) % len(servers)
			start := time.Now()
			clients[k].get(b, name, size)
			elapsed[k] += time.Since(start)
		}
		i++
	}
	mbps := make([]float64, len(servers))
	for k, s := range servers {
		mbps[k] = float64(size) * float64(i) / 1e6 / elapsed[k].Seconds()
		b.ReportMetric(mbps[k], s.name+"-MB/s")
	}
	b.ReportMetric(100*mbps[0]/mbps[1], "filesrv/sendfile-%")
	b.ReportMetric(mbps[1]/mbps[2], "sendfile/userspace-x")
}

// BenchmarkGET measures one large GET through filesrv on perconn, alone.
func BenchmarkGET(b *testing.B) {
	size := benchSize(b)
	dir := b.TempDir()
	name, err := workload.PrepareFile(dir, size)
	require.NoError(b, err)
	warm(b, filepath.Join(dir, name))
	svc, err := filesrv.New(dir, filesrv.Options{})
	require.NoError(b, err)
	b.Cleanup(func() { svc.Close() })
	addr, _ := netlabtest.Start(b, reference, svc, netlab.Config{})
	c := newGetClient(b, addr)
	b.SetBytes(size)
	for b.Loop() {
		c.get(b, name, size)
	}
}

// BenchmarkPUT measures one large upload through filesrv on perconn,
// hashing, writing and the fsync included.
func BenchmarkPUT(b *testing.B) {
	size := min(benchSize(b), 256<<20)
	addr, _ := serve(b, filesrv.Options{}, netlab.Config{})
	c := dial(b, addr)
	b.SetBytes(size)
	for b.Loop() {
		if _, err := c.Upload(b.Context(), "up", io.LimitReader(zeros{}, size), size, filesrv.UploadOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

func warm(b *testing.B, path string) {
	f, err := os.Open(path)
	require.NoError(b, err)
	defer f.Close()
	io.Copy(io.Discard, f)
}

// getClient sends GETs on one connection and reads each reply into one
// large buffer, the same way for every server measured.
type getClient struct {
	c   net.Conn
	r   *bufio.Reader
	buf []byte
}

func newGetClient(b *testing.B, addr string) *getClient {
	c := netlabtest.Dial(b, addr)
	c.SetDeadline(time.Time{}) // a gigabyte on a busy machine may take a while
	return &getClient{c: c, r: bufio.NewReaderSize(c, 64<<10), buf: make([]byte, 1<<20)}
}

func (g *getClient) get(b *testing.B, name string, size int64) {
	fmt.Fprintf(g.c, "GET %s\n", name)
	line, err := g.r.ReadString('\n')
	require.NoError(b, err, "GET: %q (%v)", line, err)
	require.Equal(b, fmt.Sprintf("OK %d\n", size), line, "GET: %q (%v)", line, err)
	for left := size; left > 0; {
		n, err := g.r.Read(g.buf[:min(left, int64(len(g.buf)))])
		left -= int64(n)
		require.False(b, err != nil && left > 0, "GET: %d bytes short: %v", left, err)
	}
}

// sendfileCopy is what a bare Go file server writes: io.Copy from the file
// to the TCP connection, which the net package turns into sendfile(2).
func sendfileCopy(conn net.Conn, f *os.File) error {
	_, err := io.Copy(conn, f)
	return err
}

// userspaceCopy hides the file and the connection behind plain Reader and
// Writer types, so io.Copy cannot find a zero-copy path and moves every
// byte through a 32 KiB buffer: read(2) into it, write(2) out of it.
func userspaceCopy(conn net.Conn, f *os.File) error {
	_, err := io.CopyBuffer(struct{ io.Writer }{conn}, struct{ io.Reader }{f}, make([]byte, 32<<10))
	return err
}

// bareServer answers "GET NAME" lines with "OK SIZE" and the file, sent
// with send: the least a server can do, to compare ours with. It serves
// until the benchmark ends.
func bareServer(b *testing.B, dir string, send func(net.Conn, *os.File) error) string {
	return netlabtest.StartBare(b, func(c net.Conn) { netlabtest.BareFiles(c, dir, send) })
}
