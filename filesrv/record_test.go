package filesrv

import (
	"bytes"
	"io"
	"net"
	"os"

	"github.com/netlab-go/netlab"
)

// recorder is a netlab.Conn that writes down, in order, everything a
// session sends, file regions included (read at the moment SendFile is
// called, as a model that sends at once would). The tests of this file's
// package that compare two runs byte for byte use it.
type recorder struct {
	out    bytes.Buffer
	closed bool
}

var _ netlab.Conn = (*recorder)(nil)

func (r *recorder) Send(p []byte) error {
	if r.closed {
		return netlab.ErrConnClosed
	}
	r.out.Write(p)
	return nil
}

func (r *recorder) SendFile(f *os.File, off, n int64) error {
	defer f.Close()
	if r.closed {
		return netlab.ErrConnClosed
	}
	_, err := io.Copy(&r.out, io.NewSectionReader(f, off, n))
	return err
}

func (r *recorder) Close() error {
	r.closed = true
	return nil
}

func (r *recorder) RemoteAddr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)} }
