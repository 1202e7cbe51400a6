package filesrv

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
)

// DownloadFile downloads the named file to the local file path, resuming if
// path already holds the start of it: only the missing bytes cross the
// network, and the whole file is still verified. If the local bytes turn
// out not to be the start of the server's file (it is shorter than them, or
// the checksum of the result is wrong), the download starts over from the
// first byte, once. A download cut short leaves path as far as it got, to
// be resumed by the next call.
func (c *Client) DownloadFile(ctx context.Context, name, path string, progress Progress) (Transfer, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return Transfer{Name: name}, fmt.Errorf("filesrv: download %s: %w", name, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return Transfer{Name: name}, fmt.Errorf("filesrv: download %s: %w", name, err)
	}
	have := fi.Size()
	t, err := c.downloadAt(ctx, name, f, have, progress)
	if have > 0 && (errors.Is(err, ErrBadOffset) || errors.Is(err, ErrChecksum)) {
		if err := f.Truncate(0); err != nil {
			return t, fmt.Errorf("filesrv: download %s: %w", name, err)
		}
		t, err = c.downloadAt(ctx, name, f, 0, progress)
	}
	if err != nil {
		return t, err
	}
	// A local file that was longer than the server's (and failed the
	// offset check) was truncated above; one that was exactly as long
	// needs nothing. Truncate anyway: it is cheap and makes sure.
	if err := f.Truncate(t.Size); err != nil {
		return t, fmt.Errorf("filesrv: download %s: %w", name, err)
	}
	if err := f.Close(); err != nil {
		return t, fmt.Errorf("filesrv: download %s: %w", name, err)
	}
	return t, nil
}

func (c *Client) downloadAt(ctx context.Context, name string, f *os.File, off int64, progress Progress) (Transfer, error) {
	return c.Download(ctx, name, io.NewOffsetWriter(f, off), DownloadOptions{
		Offset:   off,
		Prefix:   io.NewSectionReader(f, 0, off),
		Progress: progress,
	})
}

// UploadFile uploads the local file path as the named file and verifies it.
func (c *Client) UploadFile(ctx context.Context, path, name string, progress Progress) (Transfer, error) {
	f, err := os.Open(path)
	if err != nil {
		return Transfer{Name: name}, fmt.Errorf("filesrv: upload %s: %w", name, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return Transfer{Name: name}, fmt.Errorf("filesrv: upload %s: %w", name, err)
	}
	if !fi.Mode().IsRegular() {
		return Transfer{Name: name}, fmt.Errorf("filesrv: upload %s: %s is not a regular file", name, path)
	}
	return c.Upload(ctx, name, f, fi.Size(), UploadOptions{Progress: progress})
}
