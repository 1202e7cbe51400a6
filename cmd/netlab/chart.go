package main

import (
	"fmt"
	"image/color"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
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
