package workload

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/netlab-go/netlab/echo"
	"github.com/netlab-go/netlab/filesrv"
)

// A requester is one [Load] client's connection: Do sends request k and
// waits for its answer, returning the payload bytes moved.
type requester interface {
	Do(ctx context.Context, k int) (int64, error)
	// Greet makes the one exchange of [Spec.Greet].
	Greet(ctx context.Context) error
	Close() error
}

// requesterFor returns the function that connects client i of spec,
// after any setup the service needs (the file to download).
func requesterFor(ctx context.Context, spec Spec) (func(ctx context.Context, i int) (requester, error), error) {
	switch spec.Service {
	case ServiceEcho:
		size := spec.Size
		if size <= 0 {
			size = 64
		}
		return func(ctx context.Context, i int) (requester, error) {
			c, err := echo.Dial(ctx, spec.Addr)
			if err != nil {
				return nil, err
			}
			e := &echoRequester{c: c, i: i, lines: spec.Lines, msg: make([]byte, size)}
			for j := range e.msg {
				e.msg[j] = byte('a' + (i+j)%26)
			}
			return e, nil
		}, nil
	case ServiceFiles:
		size := int64(spec.Size)
		if size <= 0 {
			size = 1 << 20
		}
		if !spec.Upload {
			if err := ensureFile(ctx, spec.Addr, FilesName(size), size); err != nil {
				return nil, err
			}
		}
		return func(ctx context.Context, i int) (requester, error) {
			c, err := filesrv.Dial(ctx, spec.Addr)
			if err != nil {
				return nil, err
			}
			return &filesRequester{c: c, name: FilesName(size), size: size, upload: spec.Upload, i: i}, nil
		}, nil
	}
	return nil, fmt.Errorf("workload: load: no requester for %q", spec.Service)
}

// greet runs q's Greet bounded by ctx: closing the connection is what
// interrupts a read from a server that is not answering.
func greet(ctx context.Context, q requester) error {
	stop := context.AfterFunc(ctx, func() { q.Close() })
	err := q.Greet(ctx)
	if !stop() {
		return fmt.Errorf("no answer to a first exchange within the connect phase: %w", context.Cause(ctx))
	}
	if err != nil {
		return fmt.Errorf("first exchange: %w", err)
	}
	return nil
}

// runClient runs client i's requests in the window and returns how long
// its last request had waited if the window closed before it was answered,
// or -1. It closes q when done: a client that has finished leaves, which is
// what lets a serial model get to the next one.
func runClient(wctx context.Context, spec Spec, i int, opened time.Time, q requester, rec *Recorder, st *ClientStats) time.Duration {
	defer q.Close()
	// Closing the connection is what interrupts a read stuck on a server
	// that is not answering this client (yet).
	stop := context.AfterFunc(wctx, func() { q.Close() })
	defer stop()
	var interval, offset time.Duration
	if spec.Rate > 0 {
		interval = time.Duration(float64(spec.Clients) / spec.Rate * float64(time.Second))
		offset = interval * time.Duration(i) / time.Duration(spec.Clients) // spread the clients' sends
	}
	var timer *time.Timer
	for k := 0; spec.Requests == 0 || k < spec.Requests; k++ {
		intended := time.Now()
		if interval > 0 {
			intended = opened.Add(offset + time.Duration(k)*interval)
			if d := time.Until(intended); d > 0 {
				if timer == nil {
					timer = time.NewTimer(d)
					defer timer.Stop()
				} else {
					timer.Reset(d)
				}
				select {
				case <-timer.C:
				case <-wctx.Done():
					return -1
				}
			}
		}
		if wctx.Err() != nil {
			return -1
		}
		n, err := q.Do(wctx, k)
		if err != nil {
			if over(wctx) {
				return time.Since(intended)
			}
			st.Errors++
			st.Err = fmt.Errorf("request %d: %w", k, err)
			return -1
		}
		if over(wctx) {
			// The answer came after the window closed: a serial server
			// reaches the next client the moment the window's end closes
			// the one it was serving, and that answer is not the window's.
			return time.Since(intended)
		}
		rec.Observe(time.Since(intended), n)
	}
	return -1
}

type echoRequester struct {
	c     *echo.Client
	i     int
	lines bool
	msg   []byte
	line  []byte
}

// Do sends Size bytes, or the course's "Thread i, iteration k" line.
func (e *echoRequester) Do(_ context.Context, k int) (int64, error) {
	p := e.msg
	if e.lines {
		e.line = append(e.line[:0], "Thread "...)
		e.line = strconv.AppendInt(e.line, int64(e.i), 10)
		e.line = append(e.line, ", iteration "...)
		e.line = strconv.AppendInt(e.line, int64(k), 10)
		e.line = append(e.line, '\n')
		p = e.line
	}
	if _, err := e.c.Echo(p); err != nil {
		return 0, err
	}
	return int64(len(p)), nil
}

// Greet echoes one byte.
func (e *echoRequester) Greet(context.Context) error {
	_, err := e.c.Echo([]byte{'x'})
	return err
}

func (e *echoRequester) Close() error { return e.c.Close() }

type filesRequester struct {
	c      *filesrv.Client
	name   string
	size   int64
	upload bool
	i      int
}

// Do downloads the file whole, unverified (hashing would cost the client
// as much CPU as the transfer), or uploads Size bytes to a name of its own.
func (f *filesRequester) Do(ctx context.Context, _ int) (int64, error) {
	if f.upload {
		t, err := f.c.Upload(ctx, fmt.Sprintf("load-%d-%d.bin", f.size, f.i), io.LimitReader(pattern{}, f.size), f.size, filesrv.UploadOptions{})
		return t.Size, err
	}
	t, err := f.c.Download(ctx, f.name, io.Discard, filesrv.DownloadOptions{NoVerify: true})
	return t.Size, err
}

// Greet lists the folder.
func (f *filesRequester) Greet(ctx context.Context) error {
	_, err := f.c.List(ctx)
	return err
}

func (f *filesRequester) Close() error { return f.c.Close() }
