package results

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
)

// A Run is a whole measurement: the machine and every cell, in the order
// measured.
type Run struct {
	Machine Machine `json:"machine"`
	// Stopped, when set, says why the run ended before its last cell (an
	// interrupt): the cells are those measured so far.
	Stopped string `json:"stopped,omitempty"`
	Cells   []Cell `json:"cells"`
}

// WriteJSON writes r as indented JSON. Every number's unit is in its name
// (p99_us, peak_rss_bytes); a number not measured is null.
func (r Run) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("results: write JSON: %w", err)
	}
	return nil
}

// csvHeader names the columns, units included; the machine's columns end
// every row so that each row stands on its own once rows from several runs
// are concatenated.
var csvHeader = []string{
	"model", "service", "load", "clients", "idle", "in_process", "not_measured",
	"requests", "errors", "unanswered", "window_s", "rate", "rate_unit", "mb_per_s",
	"p50_us", "p99_us", "max_us", "longest_wait_us", "first_reply_p99_us", "clients_served", "clients_not_served",
	"cpu_us_per_request", "peak_rss_bytes", "idle_bytes_per_conn", "note",
	"date", "cpu", "cores", "kernel", "go_version",
}

// A CSVWriter writes cells as CSV rows as they are measured, so that an
// interrupted run leaves every finished row on disk.
type CSVWriter struct {
	w       *csv.Writer
	machine Machine
}

// NewCSV writes the header line to w and returns a writer for rows
// measured on m.
func NewCSV(w io.Writer, m Machine) (*CSVWriter, error) {
	c := &CSVWriter{w: csv.NewWriter(w), machine: m}
	c.w.Write(csvHeader)
	c.w.Flush()
	if err := c.w.Error(); err != nil {
		return nil, fmt.Errorf("results: write CSV header: %w", err)
	}
	return c, nil
}

// Write writes one cell as a row and flushes it. A number not measured is
// an empty field, never 0.
func (c *CSVWriter) Write(cell Cell) error {
	m := c.machine
	measured := cell.NotMeasured == ""
	num := func(v float64) string {
		if !measured {
			return ""
		}
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	count := func(v int64) string {
		if !measured {
			return ""
		}
		return strconv.FormatInt(v, 10)
	}
	row := []string{
		cell.Model, cell.Service, cell.Load, strconv.Itoa(cell.Clients), strconv.FormatBool(cell.Idle), strconv.FormatBool(cell.InProcess), cell.NotMeasured,
		count(cell.Requests), count(cell.Errors), count(cell.Unanswered), num(cell.WindowSec), num(cell.Rate), cell.RateUnit, num(cell.MBPerSec),
		num(cell.P50Micros), num(cell.P99Micros), num(cell.MaxMicros), num(cell.LongestWaitMicros), num(cell.FirstReplyP99Micros), count(int64(cell.Served)), count(int64(cell.NotServed)),
		optFloat(cell.CPUMicrosPerRequest), optInt(cell.PeakRSSBytes), optInt(cell.IdleBytesPerConn), cell.Note,
		m.Date.Format("2006-01-02T15:04:05Z07:00"), m.CPU, strconv.Itoa(m.Cores), m.Kernel, m.GoVersion,
	}
	c.w.Write(row)
	c.w.Flush()
	if err := c.w.Error(); err != nil {
		return fmt.Errorf("results: write CSV row: %w", err)
	}
	return nil
}

// WriteCSV writes r's cells as CSV, header first.
func (r Run) WriteCSV(w io.Writer) error {
	c, err := NewCSV(w, r.Machine)
	if err != nil {
		return err
	}
	for _, cell := range r.Cells {
		if err := c.Write(cell); err != nil {
			return err
		}
	}
	return nil
}

func optFloat(p *float64) string {
	if p == nil {
		return ""
	}
	return strconv.FormatFloat(*p, 'f', 2, 64)
}

func optInt(p *int64) string {
	if p == nil {
		return ""
	}
	return strconv.FormatInt(*p, 10)
}
