package histogram_test

import (
	"fmt"
	"os"
	"time"

	"github.com/netlab-go/netlab/internal/histogram"
)

// A load generator records each request's latency and prints a summary at
// the end.
func Example() {
	var h histogram.Histogram
	for i := range 1000 {
		// Most requests take about a millisecond; one in a hundred, 20ms.
		d := time.Millisecond + time.Duration(i%10)*10*time.Microsecond
		if i%100 == 99 {
			d = 20 * time.Millisecond
		}
		h.Record(d)
	}
	fmt.Printf("%d requests, p99 %v, max %v\n", h.Count(), h.Quantile(0.99).Round(10*time.Microsecond), h.Max())
	h.WriteText(os.Stdout, 5)
	// Output:
	// 1000 requests, p99 1.09ms, max 20ms
	// Latency percentiles:
	//   p50    1.04ms
	//   p90    1.07ms
	//   p99    1.09ms
	//   p99.9  20ms
	//   max    20ms
	//   mean   1.23ms
	// Latency histogram:
	//        4.8ms [990]	|■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■
	//        8.6ms [0]	|
	//       12.4ms [0]	|
	//       16.2ms [0]	|
	//         20ms [10]	|■
}
