package main

import (
	"fmt"
	"image/color"
	"os"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/netlab-go/netlab/internal/models"
)

// palette gives each model the same colour in every chart of the docs: the
// model's place in the table of models picks its colour, so a chart drawn
// with -models in any order or subset colours each model alike.
var palette = []color.Color{
	color.RGBA{0x99, 0x99, 0x99, 0xff},
	color.RGBA{0x1f, 0x77, 0xb4, 0xff},
	color.RGBA{0xff, 0x7f, 0x0e, 0xff},
	color.RGBA{0x2c, 0xa0, 0x2c, 0xff},
	color.RGBA{0xd6, 0x27, 0x28, 0xff},
	color.RGBA{0x94, 0x67, 0xbd, 0xff},
	color.RGBA{0x8c, 0x56, 0x4b, 0xff},
}

// colorOf returns the colour of the model called name.
func colorOf(name string) color.Color {
	i := slices.Index(models.Names(), name)
	if i < 0 {
		return color.Black
	}
	return palette[i%len(palette)]
}

// drawChart draws one grouped bar chart per service — throughput by load,
// one bar per model — stacked in a single SVG file.
func drawChart(path string, rows []row) error {
	var services []string
	for _, r := range rows {
		if !slices.Contains(services, r.service) {
			services = append(services, r.service)
		}
	}
	const width, panelHeight = 7 * vg.Inch, 3 * vg.Inch
	canvas := vgsvg.New(width, panelHeight*vg.Length(len(services)))
	dc := draw.New(canvas)
	tiles := draw.Tiles{Rows: len(services), Cols: 1, PadX: vg.Millimeter, PadY: 4 * vg.Millimeter, PadTop: 2 * vg.Millimeter, PadBottom: 2 * vg.Millimeter}
	for i, svc := range services {
		p, err := servicePlot(svc, rows)
		if err != nil {
			return err
		}
		p.Draw(tiles.At(dc, 0, i))
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("compare: chart: %w", err)
	}
	if _, err := canvas.WriteTo(f); err != nil {
		f.Close()
		return fmt.Errorf("compare: chart: %w", err)
	}
	return f.Close()
}

func servicePlot(svc string, rows []row) (*plot.Plot, error) {
	var loads, models []string
	unit := ""
	for _, r := range rows {
		if r.service != svc {
			continue
		}
		unit = r.unit
		if !slices.Contains(loads, r.load) {
			loads = append(loads, r.load)
		}
		if !slices.Contains(models, r.model) {
			models = append(models, r.model)
		}
	}
	p := plot.New()
	p.Title.Text = svc
	p.Y.Label.Text = unit
	p.Legend.Top = true
	p.Legend.Left = true
	barWidth := vg.Points(14)
	top := 0.0
	for i, m := range models {
		values := make(plotter.Values, len(loads))
		for j, load := range loads {
			k := slices.IndexFunc(rows, func(r row) bool { return r.service == svc && r.model == m && r.load == load })
			if k >= 0 {
				values[j] = rows[k].rate // 0 where the model could not serve the load
				top = max(top, rows[k].rate)
			}
		}
		bars, err := plotter.NewBarChart(values, barWidth)
		if err != nil {
			return nil, fmt.Errorf("compare: chart %s: %w", svc, err)
		}
		bars.LineStyle.Width = 0
		bars.Color = colorOf(m)
		bars.Offset = barWidth * vg.Length(float64(i)-float64(len(models)-1)/2)
		p.Add(bars)
		p.Legend.Add(m, bars)
	}
	p.NominalX(loads...)
	// Room at the sides for the outer groups' bars, and above the bars
	// for the legend.
	p.X.Min, p.X.Max = -0.6, float64(len(loads)-1)+0.6
	p.Y.Min, p.Y.Max = 0, top*1.45
	return p, nil
}
