package main

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/netlab-go/netlab/internal/models"
	"github.com/netlab-go/netlab/internal/results"
)

// palette gives each model the same colour in every chart of the docs: the
// model's place in the table of models picks its colour, so a chart drawn
// with -models in any order or subset colours each model alike.
var palette = []color.Color{
	color.RGBA{0x55, 0x55, 0x55, 0xff},
	color.RGBA{0x1f, 0x77, 0xb4, 0xff},
	color.RGBA{0xff, 0x7f, 0x0e, 0xff},
	color.RGBA{0x2c, 0xa0, 0x2c, 0xff},
	color.RGBA{0xd6, 0x27, 0x28, 0xff},
	color.RGBA{0x94, 0x67, 0xbd, 0xff},
}

// colorOf returns the colour of the model called name.
func colorOf(name string) color.Color {
	i := slices.Index(models.Names(), name)
	if i < 0 {
		return color.Black
	}
	return palette[i%len(palette)]
}

// A figure is a chart file: panels side by side under one title line.
type figure struct {
	title  string
	legend []legendEntry // one row under the title, for every panel
	panels []*plot.Plot
	width  vg.Length // of one panel
	height vg.Length
}

const titleHeight = 8 * vg.Millimeter

// draw draws f onto c.
func (f figure) draw(c draw.Canvas) {
	sty := text.Style{Color: color.Black, Font: font.From(plot.DefaultFont, 10), XAlign: draw.XCenter, YAlign: draw.YTop, Handler: plot.DefaultTextHandler}
	c.FillText(sty, vg.Point{X: c.Center().X, Y: c.Max.Y - 2*vg.Millimeter}, f.title)
	c.Max.Y -= titleHeight
	if len(f.legend) > 0 {
		drawLegend(c, f.legend)
		c.Max.Y -= legendHeight
	}
	tiles := draw.Tiles{Rows: 1, Cols: len(f.panels), PadX: 4 * vg.Millimeter, PadY: vg.Millimeter, PadLeft: 2 * vg.Millimeter, PadRight: 2 * vg.Millimeter, PadBottom: 2 * vg.Millimeter}
	for i, p := range f.panels {
		p.Draw(tiles.At(c, i, 0))
	}
}

func (f figure) size() (vg.Length, vg.Length) {
	h := f.height + titleHeight
	if len(f.legend) > 0 {
		h += legendHeight
	}
	return f.width * vg.Length(len(f.panels)), h
}

// A legendEntry is a model's colour, or (ring) what a hollow mark means.
type legendEntry struct {
	label string
	color color.Color
	ring  bool
}

const legendHeight = 7 * vg.Millimeter

// drawLegend draws the entries in one centred row at the top of c: a
// line with a dot in the model's colour, then its name.
func drawLegend(c draw.Canvas, entries []legendEntry) {
	fnt := font.From(plot.DefaultFont, 10)
	sty := text.Style{Color: color.Black, Font: fnt, YAlign: draw.YCenter, Handler: plot.DefaultTextHandler}
	const swatch, gap = 6 * vg.Millimeter, 5 * vg.Millimeter
	widths := make([]vg.Length, len(entries))
	total := vg.Length(0)
	for i, e := range entries {
		w, _, _ := plot.DefaultTextHandler.Box(e.label, fnt)
		widths[i] = swatch + vg.Millimeter + w
		total += widths[i] + gap
	}
	x := c.Center().X - (total-gap)/2
	y := c.Max.Y - legendHeight/2
	for i, e := range entries {
		glyph := draw.GlyphStyle{Color: e.color, Radius: vg.Points(3), Shape: draw.CircleGlyph{}}
		if e.ring {
			glyph.Shape = draw.RingGlyph{}
		} else {
			c.StrokeLine2(draw.LineStyle{Color: e.color, Width: vg.Points(1.5)}, x, y, x+swatch, y)
		}
		c.DrawGlyph(glyph, vg.Point{X: x + swatch/2, Y: y})
		c.FillText(sty, vg.Point{X: x + swatch + vg.Millimeter, Y: y}, e.label)
		x += widths[i] + gap
	}
}

// legendOf returns the legend of svc's charts: its models in the run's
// order, and the hollow mark if some cell did not serve every client.
func legendOf(svc string, cells []results.Cell) []legendEntry {
	var es []legendEntry
	partial := false
	for _, c := range cells {
		if c.Service != svc || c.Idle {
			continue
		}
		partial = partial || (c.NotMeasured == "" && c.NotServed > 0)
		if !slices.ContainsFunc(es, func(e legendEntry) bool { return e.label == c.Model }) {
			es = append(es, legendEntry{label: c.Model, color: colorOf(c.Model)})
		}
	}
	if partial {
		es = append(es, legendEntry{label: "hollow: not every client was served", color: color.Black, ring: true})
	}
	return es
}

// write writes f as SVG to path.svg and as PNG to path.png and returns the
// files' paths.
func (f figure) write(path string) ([]string, error) {
	w, h := f.size()
	svg := vgsvg.New(w, h)
	f.draw(draw.New(svg))
	png := vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(144), vgimg.UseBackgroundColor(color.White))}
	f.draw(draw.New(png))
	var paths []string
	for _, out := range []struct {
		ext string
		w   io.WriterTo
	}{{".svg", svg}, {".png", png}} {
		p := path + out.ext
		if err := writeFile(p, out.w); err != nil {
			return nil, err
		}
		paths = append(paths, p)
	}
	return paths, nil
}

func writeFile(path string, w io.WriterTo) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("compare: chart: %w", err)
	}
	if _, err := w.WriteTo(f); err != nil {
		f.Close()
		return fmt.Errorf("compare: chart %s: %w", path, err)
	}
	return f.Close()
}

// machineLine is the charts' title: numbers from another machine, or the
// same one under other load, are not comparable.
func machineLine(m results.Machine) string {
	return fmt.Sprintf("%s, %d cores, %s, %s", m.CPU, m.Cores, m.GoVersion, m.Date.Format(time.DateOnly))
}

// writeCharts writes one chart per service (throughput beside p99) and the
// idle-memory chart into dir, and returns their paths.
func writeCharts(dir string, run results.Run) ([]string, error) {
	var paths []string
	for _, svc := range chartServices(run) {
		f := figure{
			title:  fmt.Sprintf("netlab compare: %s — %s", svc, machineLine(run.Machine)),
			legend: legendOf(svc, run.Cells),
			panels: []*plot.Plot{ratePlot(svc, run.Cells), p99Plot(svc, run.Cells)},
			width:  5 * vg.Inch, height: 3.6 * vg.Inch,
		}
		ps, err := f.write(filepath.Join(dir, svc))
		if err != nil {
			return nil, err
		}
		paths = append(paths, ps...)
	}
	if slices.ContainsFunc(run.Cells, func(c results.Cell) bool { return c.Idle }) {
		f := figure{
			title:  "netlab compare: memory per idle connection — " + machineLine(run.Machine),
			panels: []*plot.Plot{idlePlot(run.Cells)},
			width:  7 * vg.Inch, height: 3.4 * vg.Inch,
		}
		ps, err := f.write(filepath.Join(dir, "idle"))
		if err != nil {
			return nil, err
		}
		paths = append(paths, ps...)
	}
	return paths, nil
}

// writeStackedSVG writes the throughput charts of every service, one above
// the other, as one SVG (the -svg flag).
func writeStackedSVG(w io.Writer, run results.Run) error {
	svcs := chartServices(run)
	if len(svcs) == 0 {
		return nil
	}
	const width, panel = 6 * vg.Inch, 3.4 * vg.Inch
	c := vgsvg.New(width, panel*vg.Length(len(svcs))+titleHeight+legendHeight)
	dc := draw.New(c)
	sty := text.Style{Color: color.Black, Font: font.From(plot.DefaultFont, 10), XAlign: draw.XCenter, YAlign: draw.YTop, Handler: plot.DefaultTextHandler}
	dc.FillText(sty, vg.Point{X: dc.Center().X, Y: dc.Max.Y - 2*vg.Millimeter}, "netlab compare — "+machineLine(run.Machine))
	dc.Max.Y -= titleHeight
	drawLegend(dc, legendOf(svcs[0], run.Cells))
	dc.Max.Y -= legendHeight
	tiles := draw.Tiles{Rows: len(svcs), Cols: 1, PadX: vg.Millimeter, PadY: 4 * vg.Millimeter, PadBottom: 2 * vg.Millimeter}
	for i, svc := range svcs {
		ratePlot(svc, run.Cells).Draw(tiles.At(dc, 0, i))
	}
	if _, err := c.WriteTo(w); err != nil {
		return fmt.Errorf("compare: -svg: %w", err)
	}
	return nil
}

// chartServices returns the services with load cells, in the run's order.
func chartServices(run results.Run) []string {
	var svcs []string
	for _, c := range run.Cells {
		if !c.Idle && !slices.Contains(svcs, c.Service) {
			svcs = append(svcs, c.Service)
		}
	}
	return svcs
}

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
