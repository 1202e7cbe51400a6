package enginebench_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/netlab-go/netlab/internal/models"
	"github.com/netlab-go/netlab/internal/workload"
)

// BenchmarkChat measures fan-out: a room of members, each with one message
// in flight (workload.Load with ServiceChat), under every model that admits the whole room
// at once, each server in a process of its own. An operation is one round
// of deliveries (a delivery is one line reaching one member). Reported:
// deliveries/s (wall-clock, so bounded by the members, which run on the
// same cores), p50-µs (a delivery's latency, the median over rounds of
// each round's median) and server-µs/delivery (the server's CPU time).
// Compare the models within one room size; to alternate them, run the
// binary in a loop (-count would repeat each back to back):
//
//	go test -c -o eb.test ./internal/enginebench/ && cd internal/enginebench
//	for i in 1 2 3; do ../../eb.test -test.run '^$' -test.bench Chat -test.benchtime 3x; done | tee chat.txt
//	benchstat -col /model chat.txt
func BenchmarkChat(b *testing.B) {
	for _, room := range []int{2, 10, 100} {
		for _, m := range models.All {
			if !m.Serves(room, models.Flags{}) || m.Serial(models.Flags{}) {
				continue
			}
			b.Run(fmt.Sprintf("room=%d/model=%s", room, m.Name), func(b *testing.B) {
				h, addr := startHelper(b, "serve", m.Name, "chat", b.TempDir())
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
				defer cancel()
				// Each message reaches room-1 members; a round is at least
				// 2000 deliveries, and 20 messages from every member.
				round := func(sends int) (*workload.Report, error) {
					return workload.Load(ctx, workload.Spec{
						Addr: addr, Service: workload.ServiceChat, Clients: room,
						Requests: sends, Greet: true,
					})
				}
				sends := max(20, 2000/(room*(room-1)))
				_, err := round(1) // warm up
				require.NoError(b, err)
				var delivered int64
				var elapsed time.Duration
				var p50s []time.Duration
				cpu0 := h.CPU(b)
				for b.Loop() {
					rep, err := round(sends)
					require.NoError(b, err, "chat under %s", m.Name)
					delivered += rep.Requests
					elapsed += rep.Window
					p50s = append(p50s, rep.Latency.Quantile(0.5))
				}
				cpu := h.CPU(b) - cpu0
				b.ReportMetric(float64(delivered)/elapsed.Seconds(), "deliveries/s")
				b.ReportMetric(float64(median(p50s).Microseconds()), "p50-µs")
				b.ReportMetric(float64(cpu.Microseconds())/float64(delivered), "server-µs/delivery")
			})
		}
	}
}

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	for i := range s { // a handful of rounds: insertion sort
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	return s[len(s)/2]
}
