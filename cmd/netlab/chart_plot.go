package main

import (
	"fmt"
	"image/color"
	"math"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/netlab-go/netlab/internal/results"
)

// A series is one model's values across a service's loads; NaN is a load
// the model was not measured at or answered nothing at.
type series struct {
	model   string
	values  []float64
	partial []bool // some clients got no reply: the value is not the whole load's
}

// seriesOf collects svc's load cells as the loads (x axis) and one series
// per model, value picked by pick.
func seriesOf(svc string, cells []results.Cell, pick func(results.Cell) (float64, bool)) ([]string, []series) {
	var loads []string
	var ss []series
	for _, c := range cells {
		if c.Service != svc || c.Idle {
			continue
		}
		if !slices.Contains(loads, c.Load) {
			loads = append(loads, c.Load)
		}
		if !slices.ContainsFunc(ss, func(s series) bool { return s.model == c.Model }) {
			ss = append(ss, series{model: c.Model})
		}
	}
	for i := range ss {
		ss[i].values = make([]float64, len(loads))
		ss[i].partial = make([]bool, len(loads))
		for j, load := range loads {
			ss[i].values[j] = math.NaN()
			k := slices.IndexFunc(cells, func(c results.Cell) bool {
				return c.Service == svc && !c.Idle && c.Model == ss[i].model && c.Load == load
			})
			if k < 0 || cells[k].NotMeasured != "" || cells[k].Requests == 0 {
				continue
			}
			if v, ok := pick(cells[k]); ok && v > 0 {
				ss[i].values[j] = v
				ss[i].partial[j] = cells[k].NotServed > 0
			}
		}
	}
	return loads, ss
}

func ratePlot(svc string, cells []results.Cell) *plot.Plot {
	unit := "req/s"
	pick := func(c results.Cell) (float64, bool) { unit = c.RateUnit; return c.Rate, true }
	if svc == "files" {
		pick = func(c results.Cell) (float64, bool) { unit = "MB/s"; return c.MBPerSec, true }
	}
	loads, ss := seriesOf(svc, cells, pick)
	p := linePlot(loads, ss, humanCount)
	p.Title.Text = svc + ": throughput (higher is better)"
	p.Y.Label.Text = "throughput (" + unit + ")"
	return p
}

func p99Plot(svc string, cells []results.Cell) *plot.Plot {
	loads, ss := seriesOf(svc, cells, func(c results.Cell) (float64, bool) { return c.P99Micros, true })
	p := linePlot(loads, ss, humanMicros)
	p.Title.Text = svc + ": 99th percentile latency (lower is better)"
	p.Y.Label.Text = "p99 latency"
	return p
}

// linePlot draws one line per series across the loads, on a log scale
// when the values span more than a decade, with an "n/a" mark in the
// model's colour where it has no value.
func linePlot(loads []string, ss []series, label func(float64) string) *plot.Plot {
	p := plot.New()
	p.X.Label.Text = "load (clients at once)"
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, s := range ss {
		for _, v := range s.values {
			if !math.IsNaN(v) {
				lo, hi = min(lo, v), max(hi, v)
			}
		}
	}
	if math.IsInf(lo, 1) {
		lo, hi = 1, 10
	}
	logScale := hi/lo > 10
	if logScale {
		lo, hi = roundDown125(lo), roundUp125(hi*1.05)
		p.Y.Scale = plot.LogScale{}
	} else {
		lo, hi = 0, hi*1.15
	}
	p.Y.Min, p.Y.Max = lo, hi
	p.Y.Tick.Marker = humanTicks{log: logScale, label: label}
	for i, s := range ss {
		col := colorOf(s.model)
		// Each model's points sit a little apart, so that equal values and
		// the n/a marks do not hide one another.
		dx := 0.08 * (float64(i) - float64(len(ss)-1)/2)
		var pts, full, part plotter.XYs
		var na plotter.XYLabels
		for j, v := range s.values {
			if math.IsNaN(v) {
				na.XYs = append(na.XYs, plotter.XY{X: float64(j) + dx, Y: naHeight(lo, hi, logScale, i)})
				na.Labels = append(na.Labels, "n/a")
				continue
			}
			pt := plotter.XY{X: float64(j) + dx, Y: v}
			pts = append(pts, pt)
			if s.partial[j] {
				part = append(part, pt)
			} else {
				full = append(full, pt)
			}
		}
		if len(pts) > 0 {
			line, err := plotter.NewLine(pts)
			if err == nil {
				line.Color, line.Width = col, vg.Points(1.5)
				p.Add(line)
				addGlyphs(p, full, col, draw.CircleGlyph{})
				addGlyphs(p, part, col, draw.RingGlyph{})
			}
		}
		if len(na.XYs) > 0 {
			labels, err := plotter.NewLabels(na)
			if err == nil {
				for k := range labels.TextStyle {
					labels.TextStyle[k].Color = col
					labels.TextStyle[k].XAlign = draw.XCenter
					labels.TextStyle[k].Font.Size = vg.Points(8)
				}
				p.Add(labels)
			}
		}
	}
	p.NominalX(loads...)
	p.X.Min, p.X.Max = -0.5, float64(len(loads))-0.5
	p.Add(plotter.NewGrid())
	return p
}

// addGlyphs marks pts with shape in col.
func addGlyphs(p *plot.Plot, pts plotter.XYs, col color.Color, shape draw.GlyphDrawer) {
	if len(pts) == 0 {
		return
	}
	if sc, err := plotter.NewScatter(pts); err == nil {
		sc.Color, sc.Shape, sc.Radius = col, shape, vg.Points(3.5)
		p.Add(sc)
	}
}

// roundDown125 returns the largest 1, 2 or 5 × 10^k at most v, where a log
// axis can start without a decade of empty space.
func roundDown125(v float64) float64 {
	base := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{5, 2, 1} {
		if m*base <= v {
			return m * base
		}
	}
	return base
}

// roundUp125 returns the smallest 1, 2 or 5 × 10^k at least v.
func roundUp125(v float64) float64 {
	base := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*base >= v {
			return m * base
		}
	}
	return 10 * base
}

// naHeight places model i's "n/a" mark near the bottom of the axis, each
// model a little higher than the last.
func naHeight(lo, hi float64, logScale bool, i int) float64 {
	frac := 0.03 + 0.045*float64(i)
	if logScale {
		return math.Pow(10, math.Log10(lo)+frac*(math.Log10(hi)-math.Log10(lo)))
	}
	return lo + frac*(hi-lo)
}

// idlePlot draws a mark per model, its value under its name: the memory
// each idle connection added to the server, on a log scale when the
// models differ by more than a decade (a process per client next to a
// goroutine per client).
func idlePlot(cells []results.Cell) *plot.Plot {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("%d idle echo clients held; the server's proportional set size (PSS)", idleClients)
	p.Title.TextStyle.Font.Size = vg.Points(11)
	p.Y.Label.Text = "memory per connection"
	var names []string
	lo, hi := math.Inf(1), math.Inf(-1)
	type mark struct {
		v       float64
		partial bool
	}
	var marks []mark
	for _, c := range cells {
		if !c.Idle {
			continue
		}
		m := mark{v: math.NaN(), partial: c.NotServed > 0}
		name := c.Model + "\nn/a"
		if c.IdleBytesPerConn != nil && *c.IdleBytesPerConn > 0 {
			m.v = float64(*c.IdleBytesPerConn)
			lo, hi = min(lo, m.v), max(hi, m.v)
			name = c.Model + "\n" + humanBytes(*c.IdleBytesPerConn)
			if m.partial {
				name += fmt.Sprintf("\n(%d of %d served)", c.Served, c.Clients)
			}
		}
		names = append(names, name)
		marks = append(marks, m)
	}
	if math.IsInf(lo, 1) {
		lo, hi = 1024, 16384
	}
	logScale := hi/lo > 10
	if logScale {
		// Powers of four kibibytes: the sizes memory comes in.
		lo = 1024 * math.Pow(4, math.Floor(math.Log(lo/1024)/math.Log(4)))
		hi = 1024 * math.Pow(4, math.Ceil(math.Log(hi*1.2/1024)/math.Log(4)))
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = byteTicks{}
	} else {
		lo, hi = 0, hi*1.2
		p.Y.Tick.Marker = humanTicks{label: tickBytes}
	}
	p.Y.Min, p.Y.Max = lo, hi
	for i, m := range marks {
		if math.IsNaN(m.v) {
			continue
		}
		shape := draw.GlyphDrawer(draw.CircleGlyph{})
		if m.partial {
			shape = draw.RingGlyph{}
		}
		if sc, err := plotter.NewScatter(plotter.XYs{{X: float64(i), Y: m.v}}); err == nil {
			sc.Color, sc.Shape, sc.Radius = colorOf(cells[slices.IndexFunc(cells, func(c results.Cell) bool { return c.Idle })+i].Model), shape, vg.Points(6)
			p.Add(sc)
		}
	}
	p.NominalX(names...)
	p.X.Min, p.X.Max = -0.6, float64(len(names))-0.4
	p.Add(plotter.NewGrid())
	return p
}
