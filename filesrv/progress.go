package filesrv

import "io"

// sourceReader remembers the error of the reader an upload reads from, to
// tell it from an error of the socket it writes to.
type sourceReader struct {
	r   io.Reader
	err error
}

func (s *sourceReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err != nil && s.err == nil {
		s.err = err
	}
	return n, err
}

// A progress counts the bytes of one transfer and tells f after each step
// that moved some.
type progress struct {
	done, total int64
	f           Progress
}

// count takes what a Read or Write returned, counts the bytes it moved,
// and hands both results on unchanged.
func (p *progress) count(n int, err error) (int, error) {
	if n > 0 {
		p.done += int64(n)
		p.f(p.done, p.total)
	}
	return n, err
}

// A progressWriter counts what a download writes.
type progressWriter struct {
	w io.Writer
	progress
}

func (p *progressWriter) Write(b []byte) (int, error) { return p.count(p.w.Write(b)) }

// A progressReader counts what an upload reads.
type progressReader struct {
	r io.Reader
	progress
}

func (p *progressReader) Read(b []byte) (int, error) { return p.count(p.r.Read(b)) }
