package workload

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/netlab-go/netlab/filesrv"
)

// FilesName is the name of the file of size bytes that [Files] downloads.
func FilesName(size int64) string { return fmt.Sprintf("bench-%d.bin", size) }

// PrepareFile writes the file [Files] downloads straight into root, the
// folder a files server serves, unless a file of that name and size is
// already there. Writing it to disk directly keeps a slow model (or a slow
// disk flush) out of the setup; [Files] uploads it through the server
// instead if it is missing. It returns the file's name.
func PrepareFile(root string, size int64) (string, error) {
	name := FilesName(size)
	path := filepath.Join(root, name)
	if fi, err := os.Stat(path); err == nil && fi.Size() == size {
		return name, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return "", fmt.Errorf("workload: prepare %s: %w", name, err)
	}
	if _, err := io.Copy(f, io.LimitReader(pattern{}, size)); err != nil {
		f.Close()
		return "", fmt.Errorf("workload: prepare %s: %w", name, err)
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("workload: prepare %s: %w", name, err)
	}
	return name, nil
}

// Files measures downloads: each of conns clients downloads the file
// FilesName(size) whole and throws it away, again and again, until ops
// downloads are done in all. Result.MBPerSec is the aggregate throughput:
// run it with conns=1 for one large download, and conns=8 for eight at
// once.
//
// The server's folder should hold the file already ([PrepareFile] on the
// folder passed to the server's files service, e.g. `netlab serve -root
// DIR`); if it does not, Files uploads it first, outside the measurement.
// The downloads are not verified: hashing a gigabyte costs the client as
// much CPU as the transfer, and on a two-core machine it would compete
// with the server being measured.
func Files(ctx context.Context, addr string, conns int, size int64, ops int64) (Result, error) {
	name := FilesName(size)
	if err := ensureFile(ctx, addr, name, size); err != nil {
		return Result{}, err
	}
	return Run(ctx, conns, ops, func(ctx context.Context, i int) (Client, error) {
		c, err := filesrv.Dial(ctx, addr)
		if err != nil {
			return nil, err
		}
		return &filesClient{c: c, name: name, size: size}, nil
	})
}

// ensureFile uploads the benchmark file through the server if it is not
// there yet.
func ensureFile(ctx context.Context, addr, name string, size int64) error {
	c, err := filesrv.Dial(ctx, addr)
	if err != nil {
		return fmt.Errorf("workload: %w", err)
	}
	defer c.Close()
	list, err := c.List(ctx)
	if err != nil {
		return fmt.Errorf("workload: %w", err)
	}
	for _, e := range list {
		if e.Name == name && e.Size == size {
			return nil
		}
	}
	if _, err := c.Upload(ctx, name, io.LimitReader(pattern{}, size), size, filesrv.UploadOptions{}); err != nil {
		return fmt.Errorf("workload: upload the file to download: %w", err)
	}
	return nil
}

type filesClient struct {
	c    *filesrv.Client
	name string
	size int64
}

func (f *filesClient) Op(ctx context.Context, rec *Recorder) error {
	start := time.Now()
	t, err := f.c.Download(ctx, f.name, io.Discard, filesrv.DownloadOptions{NoVerify: true})
	if err != nil {
		return err
	}
	rec.Observe(time.Since(start), t.Size)
	return nil
}

func (f *filesClient) Close() error { return f.c.Close() }

// pattern is an endless reader of bytes that are not all alike, so that
// nothing along the way (a compressing file system, say) can shortcut them.
type pattern struct{}

func (pattern) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(i*7 + i>>8)
	}
	return len(p), nil
}
