package udp_test

import (
	"fmt"
	"testing"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/echo"
	"github.com/netlab-go/netlab/udp"
)

// BenchmarkEcho measures one echo round trip over loopback UDP: a datagram
// each way and a lookup in the peer map, with no goroutine per peer.
func BenchmarkEcho(b *testing.B) {
	for _, size := range []int{64, 1400, udp.MaxDatagram} {
		b.Run(fmt.Sprintf("%dB", size), func(b *testing.B) {
			addr, _ := start(b, echo.New(), netlab.Config{}, udp.Options{})
			c, err := udp.Dial(b.Context(), addr)
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			p := make([]byte, size)
			b.SetBytes(int64(size))
			for b.Loop() {
				if _, err := c.Echo(p, timeout); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "roundtrips/s")
		})
	}
}
