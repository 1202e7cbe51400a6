package filesrv

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
)

// PartSuffix ends the name of the file a download writes to before it is
// verified: get report.pdf writes report.pdf.part and renames it to
// report.pdf once the checksum matches, as browsers and download managers
// do, so that a failed download never leaves a file that looks complete.
const PartSuffix = ".part"

// DownloadFile downloads the named file to the local file path. The bytes
// go to path+[PartSuffix] and only a verified download is renamed to path,
// so a download that fails leaves path as it was (absent, or the old
// file).
//
// It resumes where it can: from path+".part" if an earlier download was cut
// short, or else from path itself if that holds the start of the file (the
// local bytes are copied to the part file, so path stays untouched until
// the end). Only the missing bytes cross the network, and the whole file
// is still verified. If the local bytes turn out not to be the start of the
// server's file (it is shorter than them, or the checksum of the result is
// wrong), the download starts over from the first byte, once.
//
// A download cut short by the network or by ctx keeps its part file, to be
// resumed by the next call, and says where in [Transfer.Partial]; any other
// failure (the server's ERR, a checksum that fails twice) removes it.
func (c *Client) DownloadFile(ctx context.Context, name, path string, progress Progress) (Transfer, error) {
	t := Transfer{Name: name}
	if !ValidName(name) {
		return t, fmt.Errorf("filesrv: download %q: %w", name, ErrInvalidName)
	}
	part := path + PartSuffix
	f, have, err := openPart(part, path)
	if err != nil {
		return t, fmt.Errorf("filesrv: download %s: %w", name, err)
	}
	keep := false
	defer func() {
		f.Close()
		if !keep {
			os.Remove(part)
		}
	}()
	t, err = c.downloadAt(ctx, name, f, have, progress)
	if have > 0 && (errors.Is(err, ErrBadOffset) || errors.Is(err, ErrChecksum)) {
		if err := f.Truncate(0); err != nil {
			return t, fmt.Errorf("filesrv: download %s: %w", name, err)
		}
		t, err = c.downloadAt(ctx, name, f, 0, progress)
	}
	if err != nil {
		var perr *ProtocolError
		if !errors.As(err, &perr) && !errors.Is(err, ErrChecksum) {
			if fi, serr := f.Stat(); serr == nil && fi.Size() > 0 {
				keep, t.Partial = true, part
			}
		}
		return t, err
	}
	// A local file that was longer than the server's was truncated above
	// on the retry; one that was exactly as long needs nothing. Truncate
	// anyway: it is cheap and makes sure.
	if err := f.Truncate(t.Size); err != nil {
		return t, fmt.Errorf("filesrv: download %s: %w", name, err)
	}
	if err := f.Close(); err != nil {
		return t, fmt.Errorf("filesrv: download %s: %w", name, err)
	}
	if err := os.Rename(part, path); err != nil {
		return t, fmt.Errorf("filesrv: download %s: %w", name, err)
	}
	keep = true // renamed: nothing to remove
	return t, nil
}

// openPart opens the part file of a download and returns how many bytes
// it already holds: those of an earlier, interrupted download, or else a
// copy of the local file at path, which may be the start of the one on the
// server.
func openPart(part, path string) (*os.File, int64, error) {
	f, err := os.OpenFile(part, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, 0, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	if fi.Size() > 0 {
		return f, fi.Size(), nil
	}
	old, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return f, 0, nil
	}
	if err != nil {
		f.Close()
		os.Remove(part)
		return nil, 0, err
	}
	defer old.Close()
	if ofi, err := old.Stat(); err != nil || !ofi.Mode().IsRegular() {
		f.Close()
		os.Remove(part)
		return nil, 0, fmt.Errorf("%s exists and is not a regular file", path)
	}
	n, err := io.Copy(f, old)
	if err != nil {
		f.Close()
		os.Remove(part)
		return nil, 0, fmt.Errorf("copy %s to resume from it: %w", path, err)
	}
	return f, n, nil
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
