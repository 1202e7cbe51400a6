package workload

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/netlab-go/netlab/internal/histogram"
)

// The services [Load] can drive, as [Spec.Service] names them.
const (
	ServiceEcho  = "echo"
	ServiceChat  = "chat"
	ServiceFiles = "files"
)

// Spec describes one load: who connects, what each client does, and how
// long the measured window lasts. It is the whole of what `netlab load` and
// a cell of `netlab compare` ask of a server.
type Spec struct {
	Addr    string // the server, HOST:PORT
	Service string // ServiceEcho, ServiceChat or ServiceFiles
	Clients int    // clients at once, each on its own connection

	// Requests is each client's number of requests (the course's "N
	// threads × M iterations"); a client that is done disconnects, as a
	// real one would, so a model that serves a bounded number at once gets
	// to the clients still waiting. 0 means no count: Duration bounds the
	// run. For chat a request is a message sent.
	Requests int
	// Duration bounds the measured window; 0 means only Requests and ctx
	// do. At least one of Requests and Duration must be set.
	Duration time.Duration
	// Rate > 0 makes the load open-loop: Rate requests per second in
	// total, each client sending at fixed intervals of Clients/Rate seconds
	// whether or not the last reply has come, as far as one request in
	// flight per connection allows. A latency then runs from the request's
	// intended send time, so a server that falls behind is charged for the
	// queue it causes (no coordinated omission). 0 means closed-loop: each
	// client sends its next request when the last is answered. Chat is
	// closed-loop only.
	Rate float64

	// ConnectTimeout bounds the connect phase, which ends before the
	// window opens; 0 means 10s. A client that is not connected by then
	// (for chat: not welcomed into the room) is not served, and the
	// report says so; the others are measured.
	ConnectTimeout time.Duration

	// Greet has each client make one exchange in the connect phase (an
	// echo of one byte, a files LIST; chat's welcome is one already), so
	// that the window opens on clients the server is serving, not on
	// sockets waiting in its listen backlog or for a process to be forked.
	// Under a model that serves fewer clients at once than Clients, only
	// that many then connect in time.
	Greet bool

	// Size is the echo payload (default 64 bytes), the chat message text
	// (default 64, 32 to 4000 bytes) or the file's size (default 1 MiB).
	Size int
	// Lines makes each echo request the course's line
	// "Thread k, iteration i\n" instead of Size bytes.
	Lines bool
	// Upload makes each files request a PUT of Size bytes, to a name of
	// the client's own; otherwise it is a GET of [FilesName](Size).
	Upload bool

	// OnWindow, if set, is called as the window opens, once every client
	// has connected, and the function it returns (if not nil) as the
	// window closes, once the last client is done or Duration is up: the
	// place to measure the server over exactly the window
	// (internal/procserver's Server.Begin, then Window.End).
	OnWindow func() (closed func())

	// Progress, if set, is called every ProgressEvery (default 250ms)
	// during the window, from a goroutine of its own, with the totals so
	// far.
	Progress      func(Progress)
	ProgressEvery time.Duration
}

// Progress is a running total for a live progress line.
type Progress struct {
	Elapsed  time.Duration // since the window opened
	Requests int64         // answered so far
	Errors   int64         // failed so far
}

func (s *Spec) check() error {
	switch {
	case s.Addr == "":
		return errors.New("workload: load: no address")
	case s.Clients < 1:
		return fmt.Errorf("workload: load: %d clients: want at least 1", s.Clients)
	case s.Requests < 0 || s.Duration < 0 || s.Rate < 0:
		return errors.New("workload: load: requests, duration and rate must not be negative")
	case s.Requests == 0 && s.Duration == 0:
		return errors.New("workload: load: set the requests per client, the duration, or both: a load must end")
	case s.Service == ServiceChat && s.Rate > 0:
		return errors.New("workload: load: chat is closed-loop only (one message in flight per client); drop the rate")
	case s.Service == ServiceChat && s.Clients < 2:
		return fmt.Errorf("workload: load: chat needs at least 2 clients, not %d", s.Clients)
	case s.Service != ServiceEcho && s.Service != ServiceChat && s.Service != ServiceFiles:
		return fmt.Errorf("workload: load: unknown service %q: want echo, chat or files", s.Service)
	}
	return nil
}

func (s *Spec) connectTimeout() time.Duration {
	if s.ConnectTimeout > 0 {
		return s.ConnectTimeout
	}
	return 10 * time.Second
}

// Report is what one [Load] measured.
type Report struct {
	Spec        Spec
	Connected   int           // clients connected (for chat: welcomed) when the window opened
	ConnectTime time.Duration // how long the connect phase took
	Window      time.Duration // wall time of the measured window

	Requests int64 // answered in the window (for chat: deliveries, one message reaching one member)
	Errors   int64 // failed: a connection reset or closed, a wrong reply
	Bytes    int64 // payload bytes moved by answered requests
	// Unanswered counts the requests still waiting when the window
	// closed, and LongestWait the longest any of them had waited: what a
	// serial model's queued clients endured, which no latency records.
	Unanswered  int64
	LongestWait time.Duration

	Latency   histogram.Histogram // of answered requests
	PerClient []ClientStats       // one per client, in order
}

// ClientStats is one client's share of a [Report].
type ClientStats struct {
	Connected  bool
	Requests   int64         // answered
	Errors     int64         // failed (a client stops at its first failure)
	Sent       int64         // chat: messages sent (Requests counts deliveries received)
	FirstReply time.Duration // from the window's opening to the first answer; 0 if none came
	Err        error         // why it did not connect, or its failure
}

// PerSec returns the answered requests per second of window.
func (r *Report) PerSec() float64 {
	if r.Window <= 0 {
		return 0
	}
	return float64(r.Requests) / r.Window.Seconds()
}

// Served returns how many clients got at least one answer in the window.
func (r *Report) Served() int {
	n := 0
	for _, c := range r.PerClient {
		if c.Requests > 0 {
			n++
		}
	}
	return n
}

// NotServed returns how many clients got no answer at all: not connected,
// or connected and left waiting.
func (r *Report) NotServed() int { return r.Spec.Clients - r.Served() }

// Load runs spec against a running server: it connects every client first
// (bounded by ConnectTimeout), then opens the window, runs the requests
// until each client is done, Duration passes or ctx ends, and returns what
// was measured. Ending ctx stops the run at once; the report then holds
// what was measured so far, with ctx's error. An error without a report
// means nothing was measured: a bad spec, or no client connected.
func Load(ctx context.Context, spec Spec) (*Report, error) {
	if err := spec.check(); err != nil {
		return nil, err
	}
	if spec.Service == ServiceChat {
		return loadChat(ctx, spec)
	}
	newReq, err := requesterFor(ctx, spec)
	if err != nil {
		return nil, err
	}
	rep := &Report{Spec: spec, PerClient: make([]ClientStats, spec.Clients)}
	reqs := make([]requester, spec.Clients)
	start := time.Now()
	connectAll(ctx, spec, func(cctx context.Context, i int) error {
		q, err := newReq(cctx, i)
		if err != nil {
			return err
		}
		if spec.Greet {
			if err := greet(cctx, q); err != nil {
				q.Close()
				return err
			}
		}
		reqs[i] = q
		return nil
	}, rep.PerClient)
	rep.ConnectTime = time.Since(start)
	defer func() {
		for _, q := range reqs {
			if q != nil {
				q.Close()
			}
		}
	}()
	if err := rep.countConnected(ctx); err != nil {
		return nil, err
	}

	wctx, cancel := window(ctx, spec)
	defer cancel()
	var total, errs atomic.Int64
	hists := make([]histogram.Histogram, spec.Clients)
	waits := make([]time.Duration, spec.Clients) // an unanswered request's wait, or -1
	closed := spec.onWindow()
	opened := time.Now()
	stopProgress := progress(spec, opened, &total, &errs)
	var wg sync.WaitGroup
	for i, q := range reqs {
		if q == nil {
			continue
		}
		wg.Go(func() {
			rec := Recorder{hist: &hists[i], total: &total}
			waits[i] = runClient(wctx, spec, i, opened, q, &rec, &rep.PerClient[i])
			errs.Add(rep.PerClient[i].Errors)
			if rec.ops > 0 {
				rep.PerClient[i].FirstReply = rec.first.Sub(opened)
			}
			rep.PerClient[i].Requests = rec.ops
			atomic.AddInt64(&rep.Bytes, rec.bytes)
		})
	}
	wg.Wait()
	rep.Window = time.Since(opened)
	closed()
	clear(reqs) // runClient closed them
	stopProgress()
	for i := range hists {
		rep.Latency.Merge(&hists[i])
		rep.Requests += rep.PerClient[i].Requests
		rep.Errors += rep.PerClient[i].Errors
		if waits[i] >= 0 && rep.PerClient[i].Connected {
			rep.Unanswered++
			rep.LongestWait = max(rep.LongestWait, waits[i])
		}
	}
	return rep, context.Cause(ctx)
}

// countConnected fills Connected; no client at all is an error that says
// why the first one failed.
func (r *Report) countConnected(ctx context.Context) error {
	var first error
	r.Connected, first = connected(r.PerClient)
	if r.Connected == 0 {
		if ctx.Err() != nil {
			return fmt.Errorf("workload: load: stopped while connecting: %w", context.Cause(ctx))
		}
		return fmt.Errorf("workload: load: none of %d clients connected to %s within %v: %w", r.Spec.Clients, r.Spec.Addr, r.Spec.connectTimeout(), first)
	}
	return nil
}

// connected counts the clients that connected, and returns the error of
// the first that did not.
func connected(clients []ClientStats) (n int, first error) {
	for _, c := range clients {
		if c.Connected {
			n++
		} else if first == nil {
			first = c.Err
		}
	}
	return n, first
}

// onWindow calls OnWindow, if set, and returns what to call at the close.
func (s *Spec) onWindow() (closed func()) {
	if s.OnWindow == nil {
		return func() {}
	}
	if closed = s.OnWindow(); closed == nil {
		return func() {}
	}
	return closed
}

// window returns the measured window's context: ctx, bounded by Duration.
func window(ctx context.Context, spec Spec) (context.Context, context.CancelFunc) {
	if spec.Duration > 0 {
		return context.WithTimeout(ctx, spec.Duration)
	}
	return context.WithCancel(ctx)
}

// progress calls spec.Progress every ProgressEvery until the returned
// function is called, which waits for the last call to return.
func progress(spec Spec, opened time.Time, total, errs *atomic.Int64) (stop func()) {
	if spec.Progress == nil {
		return func() {}
	}
	every := spec.ProgressEvery
	if every <= 0 {
		every = 250 * time.Millisecond
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				spec.Progress(Progress{Elapsed: time.Since(opened), Requests: total.Load(), Errors: errs.Load()})
			}
		}
	})
	return func() { close(done); wg.Wait() }
}

// connectAll runs connect for every client, a few at a time (a thousand
// simultaneous connects overflow a listen backlog), within the connect
// phase's bound, and records who connected.
func connectAll(ctx context.Context, spec Spec, connect func(ctx context.Context, i int) error, stats []ClientStats) {
	cctx, cancel := context.WithTimeout(ctx, spec.connectTimeout())
	defer cancel()
	const parallel = 32
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	for i := range stats {
		select {
		case sem <- struct{}{}:
		case <-cctx.Done():
			stats[i].Err = fmt.Errorf("not connected within the connect phase (%v)", spec.connectTimeout())
			continue
		}
		wg.Go(func() {
			defer func() { <-sem }()
			if err := connect(cctx, i); err != nil {
				stats[i].Err = err
				return
			}
			stats[i].Connected = true
		})
	}
	wg.Wait()
}
