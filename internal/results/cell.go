package results

import (
	"slices"
	"time"

	"github.com/netlab-go/netlab/internal/procserver"
	"github.com/netlab-go/netlab/internal/workload"
)

// A Cell is one measurement: a service under a model at a load.
//
// The pointer fields are optional: nil means not measured (the server ran
// in-process, so its CPU and memory are mixed with the load generator's;
// or there was no idle sweep), which is not the same as zero.
type Cell struct {
	Model   string `json:"model"`
	Service string `json:"service"`
	Load    string `json:"load"` // what the clients did, for people: "50 clients × 100 requests"
	Clients int    `json:"clients"`
	// Idle is set for a cell of the idle sweep: clients connected and
	// silent, measured for IdleBytesPerConn only.
	Idle bool `json:"idle,omitempty"`
	// InProcess is set when the server ran inside the load generator's
	// process, which distorts the comparison.
	InProcess bool `json:"in_process"`

	// NotMeasured, when set, says why the cell has no numbers at all.
	NotMeasured string `json:"not_measured,omitempty"`

	Requests   int64   `json:"requests"`   // answered in the window (for chat: deliveries)
	Errors     int64   `json:"errors"`     // failed requests
	Unanswered int64   `json:"unanswered"` // in flight when the window closed
	WindowSec  float64 `json:"window_s"`
	Rate       float64 `json:"rate"`      // Requests per second of window, in RateUnit
	RateUnit   string  `json:"rate_unit"` // "req/s", "deliveries/s"
	MBPerSec   float64 `json:"mb_per_s"`  // payload, 10^6 bytes per second
	P50Micros  float64 `json:"p50_us"`
	P99Micros  float64 `json:"p99_us"`
	MaxMicros  float64 `json:"max_us"`
	// LongestWaitMicros is the longest an unanswered request had waited.
	LongestWaitMicros float64 `json:"longest_wait_us"`
	// FirstReplyP99Micros is how long clients waited for their first
	// answer, from the window's opening, at the 99th percentile over the
	// clients; a client never answered counts as waiting the whole window.
	// A serial model's queued clients show here, not in p99, which only
	// times requests that were being served.
	FirstReplyP99Micros float64 `json:"first_reply_p99_us"`

	Served    int `json:"clients_served"`     // clients with at least one answer
	NotServed int `json:"clients_not_served"` // clients with none (not connected, or left waiting)

	CPUMicrosPerRequest *float64 `json:"cpu_us_per_request"` // server user+system time per answered request
	PeakRSSBytes        *int64   `json:"peak_rss_bytes"`
	IdleBytesPerConn    *int64   `json:"idle_bytes_per_conn"`

	Note string `json:"note,omitempty"` // what to keep in mind reading the row
}

// Measured returns the cell of a load: rep from [workload.Load] and, when
// the server ran in a process of its own, usage from its
// [procserver.Window] over the same window (nil for an in-process server).
func Measured(model, load string, rep *workload.Report, usage *procserver.Usage) Cell {
	c := Cell{
		Model:      model,
		Service:    rep.Spec.Service,
		Load:       load,
		Clients:    rep.Spec.Clients,
		InProcess:  usage == nil,
		Requests:   rep.Requests,
		Errors:     rep.Errors,
		Unanswered: rep.Unanswered,
		WindowSec:  rep.Window.Seconds(),
		Rate:       rep.PerSec(),
		RateUnit:   "req/s",
		P50Micros:  micros(rep.Latency.Quantile(0.50)),
		P99Micros:  micros(rep.Latency.Quantile(0.99)),
		MaxMicros:  micros(rep.Latency.Max()),
		Served:     rep.Served(),
		NotServed:  rep.NotServed(),

		LongestWaitMicros:   micros(rep.LongestWait),
		FirstReplyP99Micros: micros(firstReplyP99(rep)),
	}
	if rep.Spec.Service == workload.ServiceChat {
		c.RateUnit = "deliveries/s"
	}
	if rep.Window > 0 {
		c.MBPerSec = float64(rep.Bytes) / 1e6 / rep.Window.Seconds()
	}
	if usage != nil {
		if rep.Requests > 0 {
			v := micros(usage.CPU) / float64(rep.Requests)
			c.CPUMicrosPerRequest = &v
		}
		c.PeakRSSBytes = &usage.PeakRSS
	}
	return c
}

// Skipped returns a cell that was not measured, and why: "a serial model
// serves one client at a time", an error's text.
func Skipped(model, service, load string, clients int, why string) Cell {
	return Cell{Model: model, Service: service, Load: load, Clients: clients, NotMeasured: why}
}

// PerConn returns the memory each of n idle connections added to a
// server: the growth of its size in bytes (resident, or proportional for a
// process tree) between before the clients connected and after
// [workload.Hold] returned, divided by n. It is nil for n ≤ 0. A server
// that gave memory back in between shows a negative figure, which is the
// truth of that measurement.
func PerConn(before, after int64, n int) *int64 {
	if n <= 0 {
		return nil
	}
	v := (after - before) / int64(n)
	return &v
}

// firstReplyP99 returns the 99th percentile over rep's clients of the wait
// for a first answer; a client with none waited the whole window.
func firstReplyP99(rep *workload.Report) time.Duration {
	if len(rep.PerClient) == 0 {
		return 0
	}
	waits := make([]time.Duration, len(rep.PerClient))
	for i, c := range rep.PerClient {
		waits[i] = c.FirstReply
		if c.Requests == 0 {
			waits[i] = rep.Window
		}
	}
	slices.Sort(waits)
	return waits[(len(waits)*99+99)/100-1]
}

func micros(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
