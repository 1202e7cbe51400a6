package workload

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// WriteSummary writes r as a load generator's final summary, as `hey` and
// `wrk` print one: the window, the requests answered and failed, the
// throughput, how many clients were served, then the latency percentiles
// and histogram. Nothing is left out for being bad news: clients that got
// no reply and requests still waiting at the close have lines of their own.
func (r *Report) WriteSummary(w io.Writer) error {
	var b strings.Builder
	unit := "req/s"
	if r.Spec.Service == ServiceChat {
		unit = "deliveries/s"
	}
	fmt.Fprintf(&b, "Summary (%s, %d clients):\n", r.Spec.Service, r.Spec.Clients)
	fmt.Fprintf(&b, "  Window:       %v (%d of %d clients connected in %v before it opened)\n",
		r.Window.Round(time.Millisecond), r.Connected, r.Spec.Clients, r.ConnectTime.Round(time.Millisecond))
	fmt.Fprintf(&b, "  Requests:     %d answered, %d errors\n", r.Requests, r.Errors)
	if r.Unanswered > 0 {
		fmt.Fprintf(&b, "  Unanswered:   %d still waiting when the window closed, the longest for %v\n", r.Unanswered, r.LongestWait.Round(time.Millisecond))
	}
	fmt.Fprintf(&b, "  Throughput:   %.0f %s", r.PerSec(), unit)
	if r.Window > 0 && r.Bytes > 0 {
		fmt.Fprintf(&b, ", %.2f MB/s of payload", float64(r.Bytes)/1e6/r.Window.Seconds())
	}
	b.WriteString("\n")
	fmt.Fprintf(&b, "  Clients:      %d of %d got a reply", r.Served(), r.Spec.Clients)
	if n := r.NotServed(); n > 0 {
		fmt.Fprintf(&b, "; %d got none", n)
	}
	b.WriteString("\n")
	if err := firstClientErr(r.PerClient); err != "" {
		fmt.Fprintf(&b, "  First error:  %s\n", err)
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return err
	}
	return r.Latency.WriteText(w, 10)
}

// firstClientErr returns the first failure of a connected client, else the
// first connect failure, else "".
func firstClientErr(cs []ClientStats) string {
	for i, c := range cs {
		if c.Connected && c.Err != nil {
			return fmt.Sprintf("client %d: %v", i, c.Err)
		}
	}
	for i, c := range cs {
		if c.Err != nil {
			return fmt.Sprintf("client %d: %v", i, c.Err)
		}
	}
	return ""
}
