package workload

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/netlab-go/netlab/filesrv"
)

// FilesName is the name of the file of size bytes that a files [Load] downloads.
func FilesName(size int64) string { return fmt.Sprintf("bench-%d.bin", size) }

// PrepareFile writes the file a files [Load] downloads straight into root, the
// folder a files server serves, unless a file of that name and size is
// already there. Writing it to disk directly keeps a slow model (or a slow
// disk flush) out of the setup; [Load] uploads it through the server
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

// pattern is an endless reader of bytes that are not all alike, so that
// nothing along the way (a compressing file system, say) can shortcut them.
type pattern struct{}

func (pattern) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(i*7 + i>>8)
	}
	return len(p), nil
}
