package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/netlab-go/netlab/internal/models"
	"github.com/netlab-go/netlab/internal/results"
)

func TestChartTicksReadAsPeopleWriteNumbers(t *testing.T) {
	for _, tt := range []struct {
		v    float64
		f    func(float64) string
		want string
	}{
		{5000000, humanCount, "5M"},
		{1500, humanCount, "1.5k"},
		{200, humanCount, "200"},
		{50, humanMicros, "50µs"},
		{1500, humanMicros, "1.5ms"},
		{2e6, humanMicros, "2s"},
		{4096, tickBytes, "4KiB"},
		{1.5 * (1 << 20), tickBytes, "1.5MiB"},
	} {
		assert.Equal(t, tt.want, tt.f(tt.v), "%v", tt.v)
	}

	t.Run("a log axis labels its decades and no tick has a long fraction", func(t *testing.T) {
		ticks := humanTicks{log: true, label: humanCount}.Ticks(10e3, 2e6)
		var labels []string
		for _, tk := range ticks {
			if tk.Label != "" {
				labels = append(labels, tk.Label)
			}
		}
		assert.Equal(t, []string{"10k", "100k", "1M"}, labels)
	})

	t.Run("a byte axis is marked at powers of four kibibytes", func(t *testing.T) {
		var labels []string
		for _, tk := range (byteTicks{}).Ticks(1024, 4<<20) {
			labels = append(labels, tk.Label)
		}
		assert.Equal(t, []string{"1KiB", "4KiB", "16KiB", "64KiB", "256KiB", "1MiB", "4MiB"}, labels)
	})
}

func TestARowThatWasNotMeasuredNeverShowsAZero(t *testing.T) {
	row := formatRow(results.Skipped(models.OneAtATime().Name, "chat", "2 clients", 2, "only 1 of 2 chat clients were welcomed"))
	assert.Contains(t, row, "not measured: only 1 of 2 chat clients were welcomed")
	assert.NotRegexp(t, `\s0(\.0+)?\s`, row)
	assert.Equal(t, 7, strings.Count(row, "n/a"), "throughput, p50, p99, wait, CPU, RSS and served: %s", row)
}
