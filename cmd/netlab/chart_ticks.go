package main

import (
	"math"
	"strconv"

	"gonum.org/v1/plot"
)

// byteTicks marks a log axis of bytes at powers of four kibibytes.
type byteTicks struct{}

func (byteTicks) Ticks(lo, hi float64) []plot.Tick {
	var ticks []plot.Tick
	for v := 1024 * math.Pow(4, math.Floor(math.Log(lo/1024)/math.Log(4))); v <= hi*1.001; v *= 4 {
		if v >= lo*0.999 {
			ticks = append(ticks, plot.Tick{Value: v, Label: tickBytes(v)})
		}
	}
	return ticks
}

// humanTicks labels an axis with round numbers in units people read
// ("20k", "1ms"), never "5000000.00".
type humanTicks struct {
	log   bool
	label func(float64) string
}

func (t humanTicks) Ticks(lo, hi float64) []plot.Tick {
	if !t.log {
		ticks := plot.DefaultTicks{}.Ticks(lo, hi)
		for i := range ticks {
			if ticks[i].Label != "" {
				ticks[i].Label = t.label(ticks[i].Value)
			}
		}
		return ticks
	}
	var ticks []plot.Tick
	decades := math.Log10(hi) - math.Log10(lo)
	for e := math.Floor(math.Log10(lo)); e <= math.Ceil(math.Log10(hi)); e++ {
		base := math.Pow(10, e)
		for m := 1.0; m < 10; m++ {
			v := m * base
			if v < lo*0.999 || v > hi*1.001 {
				continue
			}
			tk := plot.Tick{Value: v}
			if m == 1 || (decades <= 2 && (m == 2 || m == 5)) {
				tk.Label = t.label(v)
			}
			ticks = append(ticks, tk)
		}
	}
	return ticks
}

// humanCount writes 1500 as "1.5k" and 2000000 as "2M".
func humanCount(v float64) string {
	switch a := math.Abs(v); {
	case a >= 1e6:
		return trimFloat(v/1e6) + "M"
	case a >= 1e3:
		return trimFloat(v/1e3) + "k"
	}
	return trimFloat(v)
}

// humanMicros writes a latency given in µs: "50µs", "1.5ms", "2s".
func humanMicros(us float64) string {
	switch {
	case us >= 1e6:
		return trimFloat(us/1e6) + "s"
	case us >= 1e3:
		return trimFloat(us/1e3) + "ms"
	}
	return trimFloat(us) + "µs"
}

// tickBytes writes a byte count for an axis: "4KiB", "1.5MiB".
func tickBytes(b float64) string {
	switch {
	case b >= 1<<20:
		return trimFloat(b/(1<<20)) + "MiB"
	case b >= 1<<10:
		return trimFloat(b/(1<<10)) + "KiB"
	}
	return trimFloat(b) + "B"
}

func trimFloat(v float64) string { return strconv.FormatFloat(v, 'g', 4, 64) }
