package results_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netlab-go/netlab/internal/procserver"
	"github.com/netlab-go/netlab/internal/results"
	"github.com/netlab-go/netlab/internal/workload"
)

func report() *workload.Report {
	rep := &workload.Report{
		Spec:     workload.Spec{Service: workload.ServiceEcho, Clients: 3},
		Window:   2 * time.Second,
		Requests: 1000,
		Bytes:    64000,
		PerClient: []workload.ClientStats{
			{Connected: true, Requests: 1000}, {Connected: true}, {},
		},
		Unanswered:  1,
		LongestWait: 2 * time.Second,
	}
	for range 1000 {
		rep.Latency.Record(100 * time.Microsecond)
	}
	return rep
}

// A cell names its model only to label it: any name will do.
const someModel, serialModel = "model-a", "model-b"

func TestMeasured(t *testing.T) {
	t.Run("a child server's cell has CPU per request and peak memory", func(t *testing.T) {
		c := results.Measured(someModel, "3 clients", report(), &procserver.Usage{CPU: 50 * time.Millisecond, PeakRSS: 8 << 20})
		assert.False(t, c.InProcess)
		assert.InDelta(t, 500, c.Rate, 1e-9)
		assert.Equal(t, "req/s", c.RateUnit)
		assert.InDelta(t, 0.032, c.MBPerSec, 1e-9)
		assert.InDelta(t, 100, c.P99Micros, 1)
		require.NotNil(t, c.CPUMicrosPerRequest)
		assert.InDelta(t, 50, *c.CPUMicrosPerRequest, 1e-9)
		assert.Equal(t, int64(8<<20), *c.PeakRSSBytes)
		assert.Equal(t, 1, c.Served)
		assert.Equal(t, 2, c.NotServed)
		assert.Nil(t, c.IdleBytesPerConn)
	})

	t.Run("an in-process cell says so and has no server figures", func(t *testing.T) {
		c := results.Measured(someModel, "3 clients", report(), nil)
		assert.True(t, c.InProcess)
		assert.Nil(t, c.CPUMicrosPerRequest)
		assert.Nil(t, c.PeakRSSBytes)
	})

	t.Run("memory per idle connection is the growth over the clients", func(t *testing.T) {
		v := results.PerConn(10<<20, 11<<20, 256)
		require.NotNil(t, v)
		assert.Equal(t, int64(4096), *v)
		assert.Nil(t, results.PerConn(0, 0, 0))
	})
}

func TestEncoders(t *testing.T) {
	run := results.Run{
		Machine: results.ThisMachine(),
		Cells: []results.Cell{
			results.Measured(someModel, "3 clients", report(), &procserver.Usage{CPU: 50 * time.Millisecond, PeakRSS: 8 << 20}),
			results.Skipped(serialModel, "chat", "50 clients", 50, "only 1 of 50 chat clients were welcomed"),
		},
	}

	t.Run("JSON carries units in names and null for what was not measured", func(t *testing.T) {
		var b bytes.Buffer
		require.NoError(t, run.WriteJSON(&b))
		var back struct {
			Machine map[string]any   `json:"machine"`
			Cells   []map[string]any `json:"cells"`
		}
		require.NoError(t, json.Unmarshal(b.Bytes(), &back))
		assert.Equal(t, runtime.Version(), back.Machine["go_version"])
		assert.NotEmpty(t, back.Machine["date"])
		require.Len(t, back.Cells, 2)
		assert.InDelta(t, 50, back.Cells[0]["cpu_us_per_request"], 1e-9)
		assert.Nil(t, back.Cells[1]["cpu_us_per_request"])
		assert.Nil(t, back.Cells[0]["idle_bytes_per_conn"])
		assert.Equal(t, "only 1 of 50 chat clients were welcomed", back.Cells[1]["not_measured"])
	})

	t.Run("CSV leaves what was not measured empty, never zero", func(t *testing.T) {
		var b bytes.Buffer
		require.NoError(t, run.WriteCSV(&b))
		rows, err := csv.NewReader(&b).ReadAll()
		require.NoError(t, err)
		require.Len(t, rows, 3)
		col := map[string]int{}
		for i, name := range rows[0] {
			col[name] = i
		}
		assert.Equal(t, "1000", rows[1][col["requests"]])
		assert.Equal(t, "50.00", rows[1][col["cpu_us_per_request"]])
		assert.Equal(t, "", rows[2][col["requests"]])
		assert.Equal(t, "", rows[2][col["p99_us"]])
		assert.Equal(t, "", rows[2][col["cpu_us_per_request"]])
		assert.Equal(t, runtime.Version(), rows[2][col["go_version"]])
	})
}

func TestThisMachine(t *testing.T) {
	t.Run("the machine is described", func(t *testing.T) {
		m := results.ThisMachine()
		assert.NotEmpty(t, m.CPU)
		assert.Equal(t, runtime.NumCPU(), m.Cores)
		if runtime.GOOS == "linux" {
			assert.True(t, strings.HasPrefix(m.Kernel, "Linux "), m.Kernel)
		}
		assert.WithinDuration(t, time.Now(), m.Date, time.Minute)
	})
}
