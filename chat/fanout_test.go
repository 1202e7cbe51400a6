package chat_test

import (
	"bufio"
	"fmt"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/chat"
	"github.com/netlab-go/netlab/internal/workload"
	"github.com/netlab-go/netlab/netlabtest"
	"github.com/stretchr/testify/require"
)

// This file measures why a broadcast must not wait for its receivers. The
// same load (internal/workload's Load of chat: four clients, each
// broadcasting 1000-byte messages, every delivery timed) runs against two rooms, each
// with and without a fifth client that connects and never reads:
//
//   - naive: the chat server as it is often first written, a goroutine per
//     client that writes each line to every other member in turn with a
//     blocking conn.Write, under the room's lock so that lines do not mix;
//   - chat: this package's service on perconn, where a broadcast only
//     queues (netlab.Conn.Send) and a receiver whose queue passes its bound
//     is dropped.
//
// Run it with a fixed number of deliveries, so that both rooms are given
// the same work:
//
//	go test -run '^$' -bench FanOut -benchtime 40000x ./chat/
//
// The naive room stalls for good once the silent client's socket buffers
// are full; the run is cut off after fanOutDeadline and reports the share
// of deliveries done. Ours drops the silent client and goes on.

// fanOutDeadline bounds a run that has stalled.
const fanOutDeadline = 10 * time.Second

func BenchmarkFanOut(b *testing.B) {
	rooms := []struct {
		name  string
		start func(testing.TB) string
	}{
		{"naive", startNaiveRoom},
		{"chat", func(tb testing.TB) string {
			addr, _ := netlabtest.Start(tb, reference, chat.New(chat.Options{}), netlab.Config{})
			return addr
		}},
	}
	for _, room := range rooms {
		for _, silent := range []bool{false, true} {
			b.Run(fmt.Sprintf("room=%s/silent-client=%v", room.name, silent), func(b *testing.B) {
				addr := room.start(b)
				if silent {
					// Connects first, so it is in the room for every
					// message, and never reads a byte.
					netlabtest.Dial(b, addr)
				}
				// Each message reaches the 3 other members: b.N
				// deliveries are b.N/12 messages from each of 4.
				perMember := max(1, (b.N+11)/12)
				want := int64(perMember * 12)
				b.ResetTimer()
				rep, err := workload.Load(b.Context(), workload.Spec{Addr: addr, Service: workload.ServiceChat, Clients: 4, Size: 1000, Requests: perMember, Duration: fanOutDeadline})
				b.StopTimer()
				require.NoError(b, err)
				b.ReportMetric(rep.PerSec(), "deliveries/s")
				b.ReportMetric(float64(rep.Latency.Quantile(0.50)), "p50-ns")
				b.ReportMetric(float64(rep.Latency.Quantile(0.99)), "p99-ns")
				b.ReportMetric(100*float64(rep.Requests)/float64(want), "%delivered")
				if rep.Requests < want {
					b.Logf("stalled: %d of %d deliveries (%.1f MB) in %v, then nothing until the window closed",
						rep.Requests, want, float64(rep.Bytes)/1e6, fanOutDeadline)
				}
			})
		}
	}
}

// startNaiveRoom runs the naive room for the length of the test and returns
// its address.
func startNaiveRoom(tb testing.TB) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(tb, err)
	r := &naiveRoom{members: map[net.Conn]string{}, all: map[net.Conn]bool{}}
	r.wg.Go(func() { r.serve(l) })
	tb.Cleanup(func() {
		l.Close()
		// Closing every connection fails the Write a broadcast may be
		// stuck in; only then can its goroutine let go of the lock.
		r.allMu.Lock()
		for c := range r.all {
			c.Close()
		}
		r.allMu.Unlock()
		r.wg.Wait()
	})
	return l.Addr().String()
}

// naiveRoom is the blocking broadcast, kept as small as it is usually
// written. It speaks only what a chat workload.Load needs: a welcome, and
// "NAME: TEXT" to everyone else.
type naiveRoom struct {
	mu      sync.Mutex
	members map[net.Conn]string // guarded by mu, which a broadcast holds throughout
	guests  int                 // guarded by mu

	allMu sync.Mutex
	all   map[net.Conn]bool // every connection, for cleanup; guarded by allMu, never held while writing

	wg sync.WaitGroup
}

func (r *naiveRoom) serve(l net.Listener) {
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		r.allMu.Lock()
		r.all[c] = true
		r.allMu.Unlock()
		r.wg.Go(func() { r.session(c) })
	}
}

func (r *naiveRoom) session(c net.Conn) {
	defer c.Close()
	r.mu.Lock()
	r.guests++
	name := "guest-" + strconv.Itoa(r.guests)
	r.members[c] = name
	_, err := c.Write([]byte("* welcome " + name + "\n"))
	r.mu.Unlock()
	if err != nil {
		return
	}
	defer func() {
		r.mu.Lock()
		delete(r.members, c)
		r.mu.Unlock()
	}()
	sc := bufio.NewScanner(c)
	for sc.Scan() {
		line := []byte(name + ": " + sc.Text() + "\n")
		r.mu.Lock()
		for other := range r.members {
			if other != c {
				other.Write(line) // blocks while other's socket buffer is full
			}
		}
		r.mu.Unlock()
	}
}
