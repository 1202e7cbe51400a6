package filesrv

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ErrChecksum is returned when the bytes a transfer moved do not have the
// SHA-256 the server reports for the file. Transfer again.
var ErrChecksum = errors.New("filesrv: SHA-256 mismatch: the file changed on the server during the transfer, or bytes were corrupted")

// maxIdle is how many connections a Client keeps open for reuse.
const maxIdle = 4

// Client talks to a files server. It is safe for concurrent use: each
// operation takes a connection of its own, reusing an idle one or dialing a
// new one, so several downloads and uploads started from different
// goroutines run at the same time, each on its own connection, and a slow
// transfer never holds up a LIST.
type Client struct {
	addr   string
	dialer net.Dialer

	mu     sync.Mutex
	idle   []*clientConn // connections between commands, ready for reuse; guarded by mu
	closed bool          // guarded by mu
}

// A clientConn is one connection and its reply reader.
type clientConn struct {
	nc net.Conn
	r  *bufio.Reader
}

// Dial connects to the files server at addr (host:port). The connection is
// kept for the client's first operation.
func Dial(ctx context.Context, addr string) (*Client, error) {
	c := &Client{addr: addr}
	cc, err := c.dial(ctx)
	if err != nil {
		return nil, err
	}
	c.release(cc)
	return c, nil
}

// Transfer describes a finished download or upload.
type Transfer struct {
	Name   string // the file's name on the server
	Size   int64  // the whole file's size
	Offset int64  // where the transfer started: > 0 for a resumed download
	SHA256 string // the whole file's SHA-256, in hex
	// Verified is true when SHA256 was computed here, over the bytes the
	// transfer moved (and the ones before Offset), and equals the server's.
	Verified bool
	// Partial is where [Client.DownloadFile] kept the bytes of a download
	// that was cut short, for the next call to resume from; empty
	// otherwise.
	Partial string
}

// Progress is called as a transfer moves bytes, on the goroutine running
// it, with the bytes done so far (counting a download's Offset) and the
// total. It should return quickly.
type Progress func(done, total int64)

// DownloadOptions tunes [Client.Download]. The zero value downloads the
// whole file and verifies it.
type DownloadOptions struct {
	// Offset resumes a download: the server sends the bytes from Offset on.
	Offset int64

	// Prefix holds the Offset bytes the caller already has. Download reads
	// them to hash the whole file, since the server's checksum covers all
	// of it. It is required when Offset > 0 unless NoVerify is set.
	Prefix io.Reader

	// NoVerify skips the checksum, for benchmarks that measure the
	// transfer alone.
	NoVerify bool

	// Progress, if set, is told how far the download has come.
	Progress Progress
}

// UploadOptions tunes [Client.Upload].
type UploadOptions struct {
	// Progress, if set, is told how far the upload has come.
	Progress Progress
}

// List returns the server's files, sorted by name.
func (c *Client) List(ctx context.Context) ([]Entry, error) {
	var list []Entry
	err := c.do(ctx, true, func(cc *clientConn) error {
		list = nil
		if err := cc.send("LIST\n"); err != nil {
			return err
		}
		n, err := cc.okCount()
		if err != nil {
			return err
		}
		for range n {
			line, err := cc.line()
			if err != nil {
				return err
			}
			size, name, ok := strings.Cut(line, " ")
			sz, okSize := parseCount(size)
			if !ok || !okSize || !ValidName(name) {
				return fmt.Errorf("filesrv: list: malformed line %q", line)
			}
			list = append(list, Entry{Name: name, Size: sz})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("filesrv: list: %w", err)
	}
	return list, nil
}

// Hash returns the SHA-256 of the named file, in hex, as the server
// computes it.
func (c *Client) Hash(ctx context.Context, name string) (string, error) {
	if !ValidName(name) {
		return "", fmt.Errorf("filesrv: hash %q: %w", name, ErrInvalidName)
	}
	var sum string
	err := c.do(ctx, true, func(cc *clientConn) error {
		var err error
		sum, err = cc.hash(name)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("filesrv: hash %s: %w", name, err)
	}
	return sum, nil
}

// Download writes the named file, from opts.Offset on, to w, and then
// checks the SHA-256 of the whole file against the server's HASH. On
// [ErrChecksum] the bytes already written to w are wrong: start over.
func (c *Client) Download(ctx context.Context, name string, w io.Writer, opts DownloadOptions) (Transfer, error) {
	t := Transfer{Name: name, Offset: opts.Offset}
	if !ValidName(name) {
		return t, fmt.Errorf("filesrv: download %q: %w", name, ErrInvalidName)
	}
	if opts.Offset < 0 {
		return t, fmt.Errorf("filesrv: download %s: negative offset %d", name, opts.Offset)
	}
	h := sha256.New()
	if opts.Offset > 0 && !opts.NoVerify {
		if opts.Prefix == nil {
			return t, fmt.Errorf("filesrv: download %s: resuming at %d needs the bytes before it to verify the file (set Prefix, or NoVerify)", name, opts.Offset)
		}
		if _, err := io.CopyN(h, opts.Prefix, opts.Offset); err != nil {
			return t, fmt.Errorf("filesrv: download %s: read the %d bytes already downloaded: %w", name, opts.Offset, err)
		}
	}
	err := c.do(ctx, true, func(cc *clientConn) error {
		req := "GET " + name + "\n"
		if opts.Offset > 0 {
			req = "GET " + name + " " + strconv.FormatInt(opts.Offset, 10) + "\n"
		}
		if err := cc.send(req); err != nil {
			return err
		}
		n, err := cc.okCount()
		if err != nil {
			return err
		}
		t.Size = opts.Offset + n
		// From here on bytes reach w, which cannot be rewound: no
		// error is retried.
		if err := receive(cc, name, n, w, h, &t, opts); err != nil {
			return midway{err}
		}
		return nil
	})
	if err != nil {
		return t, fmt.Errorf("filesrv: download %s: %w", name, err)
	}
	return t, nil
}

// receive copies the n bytes of a GET reply to w and verifies them.
func receive(cc *clientConn, name string, n int64, w io.Writer, h hash.Hash, t *Transfer, opts DownloadOptions) error {
	dst := w
	if !opts.NoVerify {
		dst = io.MultiWriter(w, h)
	}
	if opts.Progress != nil {
		opts.Progress(opts.Offset, t.Size)
		dst = &progressWriter{w: dst, progress: progress{done: opts.Offset, total: t.Size, f: opts.Progress}}
	}
	if got, err := io.CopyN(dst, cc.r, n); err != nil {
		return fmt.Errorf("after %d of %d bytes: %w", got, n, err)
	}
	if opts.NoVerify {
		return nil
	}
	t.SHA256 = hex.EncodeToString(h.Sum(nil))
	// HASH after GET, on the same connection: if the file was
	// replaced in between, the sums differ and we say so, rather
	// than vouch for bytes of a version that no longer exists.
	sum, err := cc.hash(name)
	if err != nil {
		return err
	}
	if sum != t.SHA256 {
		return fmt.Errorf("%w (got %s, server has %s)", ErrChecksum, t.SHA256, sum)
	}
	t.Verified = true
	return nil
}

// Upload sends size bytes read from r as the named file, replacing any file
// of that name once all of them are stored, and checks the SHA-256 the
// server reports against the one computed here. If r ends early, nothing is
// stored.
//
// An upload always gets a fresh connection: a reused one might turn out to
// be closed only after r was partly read, and r cannot be rewound.
func (c *Client) Upload(ctx context.Context, name string, r io.Reader, size int64, opts UploadOptions) (Transfer, error) {
	t := Transfer{Name: name, Size: size}
	if !ValidName(name) {
		return t, fmt.Errorf("filesrv: upload %q: %w", name, ErrInvalidName)
	}
	if size < 0 {
		return t, fmt.Errorf("filesrv: upload %s: negative size %d", name, size)
	}
	err := c.do(ctx, false, func(cc *clientConn) error {
		if err := cc.send("PUT " + name + " " + strconv.FormatInt(size, 10) + "\n"); err != nil {
			return err
		}
		// The server may refuse the PUT (too large, busy) at once and
		// close: read its reply while we write, and stop writing when it
		// comes, instead of pushing the whole payload at a closed door.
		type reply struct {
			line string
			err  error
		}
		replied := make(chan reply, 1)
		go func() {
			line, err := cc.line()
			if err == nil && strings.HasPrefix(line, "ERR ") {
				cc.nc.SetWriteDeadline(time.Unix(1, 0)) // wake the writer
			}
			replied <- reply{line, err}
		}()
		h := sha256.New()
		in := &sourceReader{r: io.TeeReader(r, h)}
		var src io.Reader = in
		if opts.Progress != nil {
			opts.Progress(0, size)
			src = &progressReader{r: src, progress: progress{total: size, f: opts.Progress}}
		}
		sent, werr := io.CopyN(cc.nc, src, size)
		// A reader may return its last bytes with io.EOF: that is only a
		// failure if the copy fell short.
		srcFailed := werr != nil && in.err != nil
		switch {
		case srcFailed:
			// Our source failed: the server is still waiting for
			// bytes and will not answer. Closing makes it throw the
			// partial upload away, and ends the reader goroutine.
			cc.nc.Close()
		case werr != nil:
			// The socket failed: most likely the server refused the
			// upload and closed. Its ERR line is in our receive
			// buffer, and the reader goroutine is about to return it;
			// the deadline only bounds a connection that died
			// without a word.
			cc.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
		}
		rep := <-replied
		if rep.err == nil && strings.HasPrefix(rep.line, "ERR ") {
			return parseErr(rep.line)
		}
		if srcFailed {
			if errors.Is(in.err, io.EOF) {
				return fmt.Errorf("the reader ended after %d of %d bytes; nothing was stored", sent, size)
			}
			return fmt.Errorf("reading what to upload, after %d of %d bytes: %w", sent, size, in.err)
		}
		if werr != nil {
			return fmt.Errorf("after %d of %d bytes: %w", sent, size, werr)
		}
		if rep.err != nil {
			return rep.err
		}
		fields := strings.Fields(strings.TrimPrefix(rep.line, "OK "))
		if !strings.HasPrefix(rep.line, "OK ") || len(fields) != 2 {
			return fmt.Errorf("unexpected reply %q", rep.line)
		}
		t.SHA256 = hex.EncodeToString(h.Sum(nil))
		if fields[0] != strconv.FormatInt(size, 10) || fields[1] != t.SHA256 {
			return fmt.Errorf("%w: sent %d bytes with SHA-256 %s, server stored %s bytes with %s", ErrChecksum, size, t.SHA256, fields[0], fields[1])
		}
		t.Verified = true
		return nil
	})
	if err != nil {
		return t, fmt.Errorf("filesrv: upload %s: %w", name, err)
	}
	return t, nil
}

// Close closes the client's idle connections. Operations still running
// finish on theirs, which are then closed too.
func (c *Client) Close() error {
	c.mu.Lock()
	idle := c.idle
	c.idle, c.closed = nil, true
	c.mu.Unlock()
	for _, cc := range idle {
		cc.nc.Close()
	}
	return nil
}
