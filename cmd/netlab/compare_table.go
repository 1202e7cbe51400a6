package main

import (
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"

	"github.com/netlab-go/netlab/internal/results"
)

// A liveTable prints compare's rows as the cells finish and, on a
// terminal, a progress line under them that each row replaces.
type liveTable struct {
	out   io.Writer // the rows
	tty   io.Writer // the progress line; nil when there is no terminal
	n     int       // cells planned
	start time.Time

	mu      sync.Mutex
	k       int    // the cell being measured, from 0; guarded by mu
	current string // what it is; guarded by mu
	shown   bool   // a progress line is on the screen; guarded by mu
}

func newLiveTable(out, tty io.Writer, n int) *liveTable {
	return &liveTable{out: out, tty: tty, n: n, start: time.Now()}
}

// rowFormat lays out a row in fixed columns, so that rows printed one at a
// time line up.
const rowFormat = "%-6s %-12s %-16s %11s %-13s %9s %9s %9s %9s %9s %8s  %s\n"

func (t *liveTable) header() {
	fmt.Fprintf(t.out, rowFormat, "service", "model", "load", "throughput", "", "p50", "p99", "wait p99", "CPU/req", "peak RSS", "served", "note")
}

// begin says which cell is being measured now.
func (t *liveTable) begin(k int, what string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.k, t.current = k, what
	t.progressLocked()
}

// row prints a finished cell, replacing the progress line.
func (t *liveTable) row(c results.Cell) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.clearLocked()
	fmt.Fprint(t.out, formatRow(c))
	t.k++
}

// tick redraws the progress line every d until the returned function is
// called, which clears it.
func (t *liveTable) tick(d time.Duration) (stop func()) {
	if t.tty == nil {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tk := time.NewTicker(d)
		defer tk.Stop()
		for {
			select {
			case <-done:
				return
			case <-tk.C:
				t.mu.Lock()
				t.progressLocked()
				t.mu.Unlock()
			}
		}
	})
	return func() {
		close(done)
		wg.Wait()
		t.mu.Lock()
		t.clearLocked()
		t.mu.Unlock()
	}
}

func (t *liveTable) progressLocked() {
	if t.tty == nil || t.k >= t.n {
		return
	}
	elapsed := time.Since(t.start)
	eta := "?"
	if t.k > 0 {
		eta = (elapsed / time.Duration(t.k) * time.Duration(t.n-t.k)).Round(time.Second).String()
	}
	fmt.Fprintf(t.tty, "\r\033[K  cell %d of %d: %s  (elapsed %v, eta %s)", t.k+1, t.n, t.current, elapsed.Round(time.Second), eta)
	t.shown = true
}

func (t *liveTable) clearLocked() {
	if t.shown {
		fmt.Fprint(t.tty, "\r\033[K")
		t.shown = false
	}
}

// formatRow writes one cell as a table row. A figure that was not measured
// is "n/a", never a zero that could be read as one.
func formatRow(c results.Cell) string {
	const na = "n/a"
	if c.NotMeasured != "" {
		return fmt.Sprintf(rowFormat, c.Service, c.Model, c.Load, na, "", na, na, na, na, na, na, "not measured: "+c.NotMeasured)
	}
	cpu, rss := na, na
	if c.CPUMicrosPerRequest != nil {
		cpu = fmt.Sprintf("%.1fµs", *c.CPUMicrosPerRequest)
	}
	if c.PeakRSSBytes != nil {
		rss = humanBytes(*c.PeakRSSBytes)
	}
	served := fmt.Sprintf("%d/%d", c.Served, c.Clients)
	if c.Idle {
		per := na
		if c.IdleBytesPerConn != nil {
			per = humanBytes(*c.IdleBytesPerConn)
		}
		return fmt.Sprintf(rowFormat, "idle", c.Model, c.Load, per, "per conn", "", "", "", "", rss, served, c.Note)
	}
	rate, unit := c.Rate, c.RateUnit
	if c.Service == "files" {
		rate, unit = c.MBPerSec, "MB/s"
	}
	return fmt.Sprintf(rowFormat, c.Service, c.Model, c.Load, humanRate(rate), unit,
		micro(c.P50Micros, c.Requests), micro(c.P99Micros, c.Requests), micro(c.FirstReplyP99Micros, 1), cpu, rss, served, c.Note)
}

// micro formats a latency in µs, or n/a when nothing was timed.
func micro(us float64, count int64) string {
	if count == 0 {
		return "n/a"
	}
	return roundLatency(time.Duration(us * float64(time.Microsecond)))
}

func humanRate(v float64) string {
	switch {
	case v >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	default:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
}

func roundLatency(d time.Duration) string {
	switch {
	case d >= time.Second:
		return d.Round(10 * time.Millisecond).String()
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond).String()
	default:
		return d.Round(time.Microsecond).String()
	}
}

// humanBytes writes a byte count in binary units: "912B", "14.2KiB",
// "31.5MiB".
func humanBytes(n int64) string {
	neg := ""
	if n < 0 {
		neg, n = "-", -n
	}
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%s%.1fMiB", neg, float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%s%.1fKiB", neg, float64(n)/(1<<10))
	}
	return fmt.Sprintf("%s%dB", neg, n)
}
