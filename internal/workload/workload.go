// Package workload drives a running server with a bounded, measured load:
// many clients at once, each timing every exchange. `netlab compare`,
// `netlab load` and the benchmarks in compare_test.go all use it, so the
// numbers in a benchmark line, the compare table and the load summary
// mean the same thing. Measuring from the client side is what an outside
// user sees, at the price of sharing the machine with the server: run the
// server in its own process (internal/procserver) to keep the two apart.
//
// [Load] is the general entry point: a [Spec] names the service, the
// clients, each client's requests (the course's N threads × M iterations)
// or a window's duration, and optionally a rate for an open loop. It
// connects every client before the window opens, so forks and handshakes
// are not measured, and its [Report] accounts per client: who connected,
// who got any answer, who was left waiting, so that a serial model's row
// says how many it served instead of looking slow or empty. Latencies go
// into an HDR-style histogram (internal/histogram), one per client.
// [Hold] connects idle clients, for the memory an idle connection costs.
//
// [Fleet] (echo's is [EchoFleet]) is a closed-loop run with a shared budget
// of operations and exact, sorted latencies, over connections made once and
// run in rounds; the event loop's benchmarks use it.
//
// Every run is bounded twice, by a number of operations and by a context
// deadline or window, and stops by itself at whichever comes first.
package workload

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/netlab-go/netlab/internal/histogram"
)

// Result is what one run measured.
type Result struct {
	Conns   int           // clients that ran at once
	Ops     int64         // operations completed (an echo round trip, a chat delivery, a download)
	Bytes   int64         // payload bytes moved, where that means something
	Elapsed time.Duration // wall time from the first operation to the last

	latencies []time.Duration
}

// OpsPerSec returns the throughput in operations per second.
func (r Result) OpsPerSec() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Ops) / r.Elapsed.Seconds()
}

// Percentile returns the p-th percentile (0 < p ≤ 100) of the operation
// latencies, or 0 if none were recorded.
func (r Result) Percentile(p float64) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	i := int(float64(len(r.latencies))*p/100+0.5) - 1
	return r.latencies[min(max(i, 0), len(r.latencies)-1)]
}

// Recorder collects one client's latencies. Each client goroutine has its
// own, so recording takes no lock.
type Recorder struct {
	lat   []time.Duration // every latency, for [Result]; nil under [Load]
	ops   int64
	bytes int64

	// Under [Load]: a histogram instead of the slice, the run's running
	// total for its progress line, and when the first reply came.
	hist      *histogram.Histogram
	total     *atomic.Int64
	first     time.Time
	unflushed int64 // observed by observeBatch, not yet added to total
}

// Observe records one operation that took d and moved n payload bytes.
func (r *Recorder) Observe(d time.Duration, n int64) {
	if r.hist != nil {
		r.observeBatch(d, n)
		r.flush()
		return
	}
	r.lat = append(r.lat, d)
	r.ops++
	r.bytes += n
}

// observeBatch is Observe under [Load] for a hot path that records
// several operations per read from the socket (a chat member's
// deliveries): the run's running total, a counter every client shares,
// takes them at flush, once per batch, not once each.
func (r *Recorder) observeBatch(d time.Duration, n int64) {
	r.hist.Record(d)
	r.unflushed++
	if r.first.IsZero() {
		r.first = time.Now()
	}
	r.ops++
	r.bytes += n
}

// flush adds what observeBatch recorded to the running total.
func (r *Recorder) flush() {
	if r.unflushed > 0 {
		r.total.Add(r.unflushed)
		r.unflushed = 0
	}
}

// A Client runs operations on one connection until told to stop. Setup has
// already connected it.
type Client interface {
	// Op performs one operation and records it. It returns an error only
	// if the run cannot go on.
	Op(ctx context.Context, rec *Recorder) error
	Close() error
}

// A Fleet is a set of connected clients that can run several measured
// rounds, for comparisons that must not pay for connecting every time.
type Fleet struct {
	clients []Client
}

// Connect connects conns clients with dial, concurrently.
func Connect(ctx context.Context, conns int, dial func(ctx context.Context, i int) (Client, error)) (*Fleet, error) {
	f := &Fleet{clients: make([]Client, conns)}
	if err := dialAll(ctx, f.clients, dial); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// Close disconnects every client.
func (f *Fleet) Close() {
	for i, c := range f.clients {
		if c != nil {
			c.Close()
			f.clients[i] = nil
		}
	}
}

// Run runs one measured round of ops operations; the clients stay
// connected.
func (f *Fleet) Run(ctx context.Context, ops int64) (Result, error) {
	conns := len(f.clients)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
		recs     = make([]Recorder, conns)
	)
	// Hand out operations from a shared budget so that fast clients do
	// more of them, as they would against a real server.
	budget := make(chan struct{}, 1024)
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	wg.Go(func() {
		defer close(budget)
		for range ops {
			select {
			case budget <- struct{}{}:
			case <-runCtx.Done():
				return
			}
		}
	})
	start := time.Now()
	for i, c := range f.clients {
		wg.Go(func() {
			for range budget {
				if err := c.Op(runCtx, &recs[i]); err != nil {
					if !over(runCtx) {
						mu.Lock()
						if firstErr == nil {
							firstErr = fmt.Errorf("client %d: %w", i, err)
						}
						mu.Unlock()
					}
					cancel()
					return
				}
			}
		})
	}
	wg.Wait()
	res := Result{Conns: conns, Elapsed: time.Since(start)}
	for _, r := range recs {
		res.Ops += r.ops
		res.Bytes += r.bytes
		res.latencies = append(res.latencies, r.lat...)
	}
	slices.Sort(res.latencies)
	if firstErr != nil {
		return res, firstErr
	}
	return res, nil
}

// dialAll connects every client, a few at a time: a thousand simultaneous
// connects overflow a listen backlog and make the iterative model look
// worse than it is for the wrong reason.
func dialAll(ctx context.Context, clients []Client, dial func(ctx context.Context, i int) (Client, error)) error {
	const parallel = 32
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	errs := make([]error, len(clients))
	for i := range clients {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			clients[i], errs[i] = dial(ctx, i)
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return fmt.Errorf("workload: connect client %d: %w", i, err)
		}
	}
	return nil
}

// over reports whether ctx has ended or its deadline has passed. The two
// differ for a moment: a connection whose deadline is ctx's fails its read
// before ctx's own timer has fired, and that failure is the end of the run,
// not an error.
func over(ctx context.Context) bool {
	if ctx.Err() != nil {
		return true
	}
	d, ok := ctx.Deadline()
	return ok && !time.Now().Before(d)
}
