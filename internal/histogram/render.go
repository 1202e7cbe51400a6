package histogram

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// Percentiles are the quantiles [Histogram.WriteText] prints, as a load
// generator's summary does.
var Percentiles = []float64{0.50, 0.90, 0.99, 0.999}

// WriteText writes h as a load generator's summary: a line per percentile
// in [Percentiles] and the maximum, then a bar chart of bins equally wide
// between the minimum and the maximum, one bar per bin, as `hey` prints.
// bins ≤ 0 means 10. An empty histogram writes one line saying so.
func (h *Histogram) WriteText(w io.Writer, bins int) error {
	if h.count == 0 {
		_, err := fmt.Fprintln(w, "Latency: no requests answered")
		return err
	}
	if bins <= 0 {
		bins = 10
	}
	var b strings.Builder
	b.WriteString("Latency percentiles:\n")
	for _, q := range Percentiles {
		fmt.Fprintf(&b, "  %-6s %v\n", percentName(q), round(h.Quantile(q)))
	}
	fmt.Fprintf(&b, "  %-6s %v\n", "max", round(h.Max()))
	fmt.Fprintf(&b, "  %-6s %v\n", "mean", round(h.Mean()))

	// Each bucket's count goes to the bin holding its midpoint; the bins
	// are labelled with their upper edge, as hey labels them.
	counts := make([]int64, bins)
	span := float64(h.max - h.min)
	for i, c := range h.counts {
		if c == 0 {
			continue
		}
		k := 0
		if span > 0 {
			v := min(max(mid(i), h.min), h.max)
			k = min(int(float64(v-h.min)/span*float64(bins)), bins-1)
		}
		counts[k] += c
	}
	var most int64
	for _, c := range counts {
		most = max(most, c)
	}
	const barWidth = 40
	b.WriteString("Latency histogram:\n")
	for k, c := range counts {
		edge := time.Duration(h.min) + time.Duration(span*float64(k+1)/float64(bins))
		bar := int((c*barWidth + most - 1) / most) // a non-empty bin shows at least one mark
		fmt.Fprintf(&b, "  %10v [%d]\t|%s\n", round(edge), c, strings.Repeat("■", bar))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// percentName spells 0.999 as "p99.9".
func percentName(q float64) string {
	return "p" + strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.3f", q*100), "0"), ".")
}

// round keeps three significant digits, which is all a bucket knows.
// From 100ms up it keeps whole milliseconds, and below 1µs every
// nanosecond.
func round(d time.Duration) time.Duration {
	for unit := 100 * time.Millisecond; unit >= time.Microsecond; unit /= 10 {
		if d >= unit {
			return d.Round(unit / 100)
		}
	}
	return d
}
