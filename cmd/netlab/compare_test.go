package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netlab-go/netlab/internal/results"
)

// The test binary is not netlab: compare's children run it as netlab
// through TestMain's helper-process switch.
func init() {
	selfCommand = func() ([]string, []string, error) {
		return []string{os.Args[0], "-test.run=^$", "--"}, append(os.Environ(), "NETLAB_TEST_MAIN=1", "GORACE=atexit_sleep_ms=0"), nil
	}
}

func TestCompareRefusesBadFlagsBeforeMeasuring(t *testing.T) {
	dir := t.TempDir()
	aFile := filepath.Join(dir, "file")
	require.NoError(t, os.WriteFile(aFile, nil, 0o644))
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"a negative window", []string{"-duration", "-1s"}, "-duration -1s: want a positive window"},
		{"a zero window", []string{"-duration", "0s"}, "-duration 0s"},
		{"an SVG in a folder that does not exist", []string{"-svg", filepath.Join(dir, "no", "such", "c.svg")}, "-svg"},
		{"JSON in a folder that does not exist", []string{"-json", filepath.Join(dir, "no", "r.json")}, "-json"},
		{"an output folder that is a file", []string{"-out", aFile}, "-out"},
		{"an unknown model", []string{"-models", "perconn,threads"}, `-models "threads": want one of`},
		{"an unknown service", []string{"-services", "web"}, `-services "web": want one of`},
		{"a load of no clients", []string{"-clients", "0"}, `-clients "0"`},
		{"a chat room of one", []string{"-services", "chat", "-clients", "1,50"}, "at least 2 clients"},
		{"an argument that is not a flag", []string{"now"}, `unexpected argument "now"`},
	} {
		t.Run("refuses "+tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(t.Context(), append([]string{"compare"}, tt.args...), nil, &stdout, &stderr)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.Empty(t, stdout.String(), "compare started measuring despite a bad flag")
		})
	}
}

// lineWriter is a command's standard output that hands each complete line
// to onLine as it is written.
type lineWriter struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	all    bytes.Buffer
	onLine func(string)
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.all.Write(p)
	w.buf.Write(p)
	for {
		line, err := w.buf.ReadString('\n')
		if err != nil {
			w.buf.WriteString(line)
			return len(p), nil
		}
		if w.onLine != nil {
			w.onLine(strings.TrimSuffix(line, "\n"))
		}
	}
}

func (w *lineWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.all.String()
}

// rowRE matches a measured row of the echo sweep: throughput, then the
// latencies, then CPU per request in µs and a peak RSS.
var rowRE = regexp.MustCompile(`^echo\s+(perconn|eventloop)\s+\d+ clients?\s+[\d.]+\s+req/s\s+\S+\s+\S+\s+\S+\s+[\d.]+µs\s+[\d.]+[KM]iB\s+\d+/\d+`)

func TestCompareMeasuresServersInTheirOwnProcesses(t *testing.T) {
	t.Run("rows stream with CPU and memory, and the results and charts are written", func(t *testing.T) {
		dir := t.TempDir()
		var rows []string
		out := &lineWriter{onLine: func(l string) {
			if rowRE.MatchString(l) || strings.HasPrefix(l, "idle ") {
				rows = append(rows, l)
			}
		}}
		var stderr bytes.Buffer
		err := run(t.Context(), []string{"compare", "-services", "echo", "-models", "perconn,eventloop", "-clients", "1,4", "-duration", "300ms", "-out", dir}, nil, out, &stderr)
		require.NoError(t, err, "compare: %s\n%s", out, stderr.String())
		assert.Len(t, rows, 6, "want 4 measured load rows and 2 idle rows, each with CPU/req and peak RSS:\n%s\n%s", out, stderr.String())
		assert.Contains(t, out.String(), "each server in a process of its own")

		b, err := os.ReadFile(filepath.Join(dir, "results.json"))
		require.NoError(t, err)
		var run results.Run
		require.NoError(t, json.Unmarshal(b, &run), "results.json is not valid JSON")
		assert.NotEmpty(t, run.Machine.CPU)
		assert.Positive(t, run.Machine.Cores)
		assert.NotEmpty(t, run.Machine.GoVersion)
		assert.False(t, run.Machine.Date.IsZero())
		require.Len(t, run.Cells, 6)
		for _, c := range run.Cells {
			assert.False(t, c.InProcess, "%s %s", c.Model, c.Load)
			require.NotNil(t, c.PeakRSSBytes, "%s %s: no peak RSS", c.Model, c.Load)
			assert.Positive(t, *c.PeakRSSBytes)
			if !c.Idle {
				assert.Equal(t, "req/s", c.RateUnit)
				assert.Positive(t, c.Rate, "%s %s", c.Model, c.Load)
				assert.NotNil(t, c.CPUMicrosPerRequest, "%s %s: no CPU per request", c.Model, c.Load)
			} else {
				assert.NotNil(t, c.IdleBytesPerConn, "%s: no memory per idle connection", c.Model)
			}
		}
		assert.Contains(t, string(b), `"p99_us"`, "results.json names its units")
		for _, name := range []string{"echo.svg", "echo.png", "idle.svg", "idle.png"} {
			fi, err := os.Stat(filepath.Join(dir, name))
			if assert.NoError(t, err, "chart %s", name) {
				assert.Greater(t, fi.Size(), int64(1000), "chart %s is empty", name)
			}
		}
	})

	t.Run("an interrupt stops at once and keeps the rows measured so far", func(t *testing.T) {
		dir := t.TempDir()
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		out := &lineWriter{onLine: func(l string) {
			if rowRE.MatchString(l) {
				cancel() // Ctrl-C, as soon as the first row is out
			}
		}}
		var stderr bytes.Buffer
		err := run(ctx, []string{"compare", "-services", "echo", "-models", "perconn,eventloop", "-clients", "1,4", "-duration", "300ms", "-out", dir}, nil, out, &stderr)
		require.ErrorIs(t, err, context.Canceled)
		assert.Contains(t, err.Error(), "interrupted after 1 of 6 cells")
		n := 0
		for l := range strings.Lines(out.String()) {
			if rowRE.MatchString(l) {
				n++
			}
		}
		assert.Equal(t, 1, n, "want the one row measured before the interrupt:\n%s", out)
		assert.Contains(t, out.String(), "Stopped: interrupted after 1 of 6 cells")

		b, err := os.ReadFile(filepath.Join(dir, "results.json"))
		require.NoError(t, err)
		var run results.Run
		require.NoError(t, json.Unmarshal(b, &run))
		assert.Len(t, run.Cells, 1)
		assert.NotEmpty(t, run.Stopped)
		fi, err := os.Stat(filepath.Join(dir, "echo.png"))
		require.NoError(t, err, "no chart of the rows so far")
		assert.Positive(t, fi.Size())
	})

	t.Run("a model that serves one client at a time is measured, with how long the others waited", func(t *testing.T) {
		var stdout, stderr bytes.Buffer
		csvPath := filepath.Join(t.TempDir(), "r.csv")
		err := run(t.Context(), []string{"compare", "-services", "echo", "-models", "iterative", "-clients", "3", "-idle=false", "-duration", "300ms", "-csv", csvPath}, nil, &stdout, &stderr)
		require.NoError(t, err, "compare: %s", stderr.String())
		assert.Regexp(t, `echo\s+iterative\s+3 clients\s+\d+\s+req/s.*serves one client at a time`, stdout.String())

		f, err := os.Open(csvPath)
		require.NoError(t, err)
		defer f.Close()
		rows, err := csv.NewReader(f).ReadAll()
		require.NoError(t, err)
		require.Len(t, rows, 2, "a header and the one cell")
		cell := map[string]string{}
		for i, name := range rows[0] {
			cell[name] = rows[1][i]
		}
		assert.Equal(t, "iterative", cell["model"])
		assert.Equal(t, "3", cell["clients"])
		assert.NotEmpty(t, cell["first_reply_p99_us"], "the wait of the queued clients")
		assert.NotEmpty(t, cell["cpu_us_per_request"])
		assert.NotEmpty(t, cell["go_version"], "the machine is in every row")
	})
}
