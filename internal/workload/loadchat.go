package workload

import (
	"context"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/netlab-go/netlab/chat"
	"github.com/netlab-go/netlab/internal/histogram"
)

// loadChat is [Load] for chat: the clients join one room during the
// connect phase, and in the window each member broadcasts with one message
// in flight. Only the members welcomed before the window
// opens take part: a model that admits four at a time has four members,
// and the report says how many of the clients that leaves out.
func loadChat(ctx context.Context, spec Spec) (*Report, error) {
	size := spec.Size
	if size <= 0 {
		size = chatText
	}
	if size < 32 || size > chat.MaxLine-96 {
		return nil, fmt.Errorf("workload: load: chat message size %d: want 32 to %d bytes", size, chat.MaxLine-96)
	}
	r := &chatRun{epoch: time.Now(), size: size}
	rep := &Report{Spec: spec, PerClient: make([]ClientStats, spec.Clients)}
	joined := make([]*chatMember, spec.Clients)
	start := time.Now()
	connectAll(ctx, spec, func(cctx context.Context, i int) error {
		m, err := joinChat(cctx, spec.Addr, i)
		if err != nil {
			return err
		}
		joined[i] = m
		return nil
	}, rep.PerClient)
	rep.ConnectTime = time.Since(start)
	// The members are renumbered in order, since a message names its
	// sender by its place among them; client[k] remembers whose stats a
	// member's are.
	var client []int
	for i, m := range joined {
		if m != nil {
			m.i = len(r.members)
			r.members = append(r.members, m)
			client = append(client, i)
		}
	}
	defer r.closeAll()
	if err := rep.countConnected(ctx); err != nil {
		return nil, err
	}
	if len(r.members) < 2 {
		return nil, fmt.Errorf("workload: load: only %d of %d chat clients were welcomed within %v (a serial model admits one at a time), and a delivery needs two", len(r.members), spec.Clients, spec.connectTimeout())
	}

	wctx, cancel := window(ctx, spec)
	defer cancel()
	r.cancel = cancel
	stop := context.AfterFunc(wctx, r.closeAll)
	defer stop()
	r.names = make(map[string]bool, len(r.members))
	var total, errs atomic.Int64
	hists := make([]histogram.Histogram, len(r.members))
	for k, m := range r.members {
		r.names[m.name] = true
		m.rec = Recorder{hist: &hists[k], total: &total}
	}
	r.limit = math.MaxInt64
	if spec.Requests > 0 {
		r.limit = int64(spec.Requests)
	}
	var readers sync.WaitGroup
	for _, m := range r.members {
		readers.Go(func() { r.receive(wctx, m) })
	}
	closed := spec.onWindow()
	opened := time.Now()
	stopProgress := progress(spec, opened, &total, &errs)
	r.start(wctx)
	r.drain(wctx)
	rep.Window = time.Since(opened)
	closed()
	r.closing.Store(true)
	r.closeAll()
	readers.Wait()
	stopProgress()

	end := time.Since(r.epoch)
	for k, m := range r.members {
		st := &rep.PerClient[client[k]]
		st.Requests, st.Sent = m.rec.ops, m.sent
		if m.rec.ops > 0 {
			st.FirstReply = m.rec.first.Sub(opened)
		}
		rep.Requests += m.rec.ops
		rep.Bytes += m.rec.bytes
		rep.Latency.Merge(&hists[k])
		// A member with receivers left has a message that has not reached
		// everyone.
		if m.left.Load() > 0 {
			rep.Unanswered++
			rep.LongestWait = max(rep.LongestWait, end-m.sentAt)
		}
	}
	if err := r.err(); err != nil {
		rep.Errors = 1
		return rep, err
	}
	return rep, context.Cause(ctx)
}
