package histogram_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netlab-go/netlab/internal/histogram"
)

// exactQuantile is the value of rank ⌈q·n⌉ in sorted vs, the definition
// Quantile approximates.
func exactQuantile(sorted []time.Duration, q float64) time.Duration {
	rank := max(int(math.Ceil(q*float64(len(sorted)))), 1)
	return sorted[rank-1]
}

func within(t *testing.T, want, got time.Duration, what string) {
	t.Helper()
	bound := histogram.MaxRelError * float64(want)
	assert.LessOrEqual(t, math.Abs(float64(got-want)), bound, "%s: got %v, want %v ± %.1fns", what, got, want, bound)
}

func TestHistogram(t *testing.T) {
	t.Run("an empty histogram reports zero everywhere", func(t *testing.T) {
		var h histogram.Histogram
		assert.Zero(t, h.Count())
		assert.Zero(t, h.Quantile(0.5))
		assert.Zero(t, h.Mean())
		assert.Zero(t, h.Max())
		assert.Empty(t, h.Buckets())
	})

	t.Run("small values are kept exactly", func(t *testing.T) {
		var h histogram.Histogram
		for v := range 128 {
			h.Record(time.Duration(v))
		}
		for v := range 128 {
			assert.Equal(t, time.Duration(v), h.Quantile(float64(v+1)/128), "rank %d", v+1)
		}
	})

	t.Run("min, max, count and mean are exact", func(t *testing.T) {
		var h histogram.Histogram
		for _, d := range []time.Duration{3 * time.Millisecond, 1001 * time.Microsecond, 7777777} {
			h.Record(d)
		}
		assert.Equal(t, int64(3), h.Count())
		assert.Equal(t, 1001*time.Microsecond, h.Min())
		assert.Equal(t, time.Duration(7777777), h.Max())
		assert.Equal(t, time.Duration((3000000+1001000+7777777+1)/3), h.Mean())
		assert.Equal(t, time.Duration(7777777), h.Quantile(1))
	})

	t.Run("a negative duration counts as zero", func(t *testing.T) {
		var h histogram.Histogram
		h.Record(-time.Second)
		assert.Equal(t, int64(1), h.Count())
		assert.Zero(t, h.Max())
	})

	t.Run("every quantile of a uniform distribution is within the bound", func(t *testing.T) {
		var h histogram.Histogram
		var vs []time.Duration
		for v := time.Microsecond; v <= 10*time.Millisecond; v += 997 {
			h.Record(v)
			vs = append(vs, v)
		}
		for _, q := range []float64{0, 0.01, 0.1, 0.25, 0.5, 0.9, 0.99, 0.999, 1} {
			within(t, exactQuantile(vs, q), h.Quantile(q), "q")
		}
	})

	t.Run("a bimodal distribution has its p50 in the fast mode and its p99 in the slow one", func(t *testing.T) {
		var h histogram.Histogram
		h.RecordN(100*time.Microsecond, 900)
		h.RecordN(50*time.Millisecond, 100)
		within(t, 100*time.Microsecond, h.Quantile(0.5), "p50")
		within(t, 100*time.Microsecond, h.Quantile(0.9), "p90")
		within(t, 50*time.Millisecond, h.Quantile(0.91), "p91")
		within(t, 50*time.Millisecond, h.Quantile(0.99), "p99")
	})

	t.Run("buckets partition the values recorded", func(t *testing.T) {
		var h histogram.Histogram
		for v := range time.Duration(100000) {
			h.Record(v * 37)
		}
		var total int64
		var last time.Duration
		for _, b := range h.Buckets() {
			assert.GreaterOrEqual(t, b.Low, last)
			assert.Greater(t, b.High, b.Low)
			assert.LessOrEqual(t, float64(b.High-b.Low-1), 2*histogram.MaxRelError*float64(b.Low)+1e-9, "bucket %v wide at %v", b.High-b.Low, b.Low)
			total += b.Count
			last = b.High
		}
		assert.Equal(t, h.Count(), total)
	})
}

// TestQuantileProperty checks the bound on random samples spread over
// twelve orders of magnitude, and that merging per-client histograms is the
// same as recording everything in one.
func TestQuantileProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 50 {
		n := 1 + rng.IntN(5000)
		var whole histogram.Histogram
		parts := make([]histogram.Histogram, 1+rng.IntN(8))
		vs := make([]time.Duration, n)
		for i := range vs {
			vs[i] = time.Duration(math.Exp(rng.Float64() * math.Log(1e12)))
			whole.Record(vs[i])
			parts[rng.IntN(len(parts))].Record(vs[i])
		}
		slices.Sort(vs)
		var merged histogram.Histogram
		for i := range parts {
			merged.Merge(&parts[i])
		}
		require.Equal(t, whole.Count(), merged.Count(), "trial %d", trial)
		assert.Equal(t, vs[0], merged.Min())
		assert.Equal(t, vs[n-1], merged.Max())
		for _, q := range []float64{0.001, 0.1, 0.5, 0.9, 0.99, 0.999, 1} {
			want := exactQuantile(vs, q)
			within(t, want, whole.Quantile(q), "whole")
			assert.Equal(t, whole.Quantile(q), merged.Quantile(q), "trial %d q %v: merged differs from whole", trial, q)
		}
	}
}

func TestReset(t *testing.T) {
	t.Run("a reset histogram is empty and records again", func(t *testing.T) {
		var h histogram.Histogram
		h.Record(time.Second)
		h.Reset()
		assert.Zero(t, h.Count())
		h.Record(time.Millisecond)
		assert.Equal(t, time.Millisecond, h.Max())
		assert.Equal(t, time.Millisecond, h.Min())
	})
}

func BenchmarkRecord(b *testing.B) {
	var h histogram.Histogram
	d := time.Duration(1)
	for b.Loop() {
		h.Record(d)
		d = d*3 + 1&(1<<33-1)
	}
}
