package histogram

import (
	"math"
	"math/bits"
	"time"
)

// SubBucketBits sets the resolution: each power of two is cut into
// 2^SubBucketBits buckets.
const SubBucketBits = 6

const subBuckets = 1 << SubBucketBits

// MaxRelError bounds the relative error of any value a [Histogram] reports
// (a quantile, the mean of the values in a bucket): |reported − true| ≤
// MaxRelError × true. The minimum and maximum are exact.
const MaxRelError = 1.0 / (2 * subBuckets)

// A Histogram counts durations in log-linear buckets. The zero value is an
// empty histogram ready to use. A Histogram is not safe for concurrent use:
// give each goroutine its own and [Histogram.Merge] them.
type Histogram struct {
	counts   []int64 // counts[i] is the number of values in bucket i; grown on demand
	count    int64
	sum      float64 // of the exact values, in nanoseconds, for the mean
	min, max int64   // exact, in nanoseconds; meaningful when count > 0
}

// index returns the bucket of v ≥ 0. Values below subBuckets have a bucket
// each; above, v's top SubBucketBits+1 bits pick the bucket, and the
// shift (how many low bits are dropped) picks the power of two.
func index(v int64) int {
	if v < subBuckets {
		return int(v)
	}
	shift := bits.Len64(uint64(v)) - SubBucketBits - 1
	return subBuckets*(shift+1) + int(v>>shift) - subBuckets
}

// bounds returns the lowest value of bucket i and the bucket's width.
func bounds(i int) (lo, width int64) {
	if i < 2*subBuckets {
		return int64(i), 1
	}
	shift := i/subBuckets - 1
	return int64(subBuckets+i%subBuckets) << shift, 1 << shift
}

// mid returns the value that stands for bucket i: its midpoint, which is
// within MaxRelError of anything in it.
func mid(i int) int64 {
	lo, w := bounds(i)
	return lo + w/2
}

// Record adds one value. A negative duration (a clock that stepped back)
// counts as zero.
func (h *Histogram) Record(d time.Duration) { h.RecordN(d, 1) }

// RecordN adds n values of d at once.
func (h *Histogram) RecordN(d time.Duration, n int64) {
	if n <= 0 {
		return
	}
	v := max(int64(d), 0)
	i := index(v)
	if i >= len(h.counts) {
		// Grow past what is needed so that a slowly rising latency does not
		// reallocate on every new bucket.
		h.counts = append(h.counts, make([]int64, i+1-len(h.counts)+subBuckets)...)
	}
	h.counts[i] += n
	if h.count == 0 || v < h.min {
		h.min = v
	}
	if h.count == 0 || v > h.max {
		h.max = v
	}
	h.count += n
	h.sum += float64(v) * float64(n)
}

// Merge adds every value recorded in o to h. o is unchanged.
func (h *Histogram) Merge(o *Histogram) {
	if o == nil || o.count == 0 {
		return
	}
	if len(o.counts) > len(h.counts) {
		h.counts = append(h.counts, make([]int64, len(o.counts)-len(h.counts))...)
	}
	for i, c := range o.counts {
		h.counts[i] += c
	}
	if h.count == 0 || o.min < h.min {
		h.min = o.min
	}
	if h.count == 0 || o.max > h.max {
		h.max = o.max
	}
	h.count += o.count
	h.sum += o.sum
}

// Reset empties h, keeping its buckets' memory.
func (h *Histogram) Reset() {
	clear(h.counts)
	h.count, h.sum, h.min, h.max = 0, 0, 0, 0
}

// Count returns the number of values recorded.
func (h *Histogram) Count() int64 { return h.count }

// Min returns the smallest value recorded, exactly, or 0 if none was.
func (h *Histogram) Min() time.Duration { return time.Duration(h.min) }

// Max returns the largest value recorded, exactly, or 0 if none was.
func (h *Histogram) Max() time.Duration { return time.Duration(h.max) }

// Mean returns the mean of the values recorded, or 0 if none was. It is
// computed from the exact values, not the buckets.
func (h *Histogram) Mean() time.Duration {
	if h.count == 0 {
		return 0
	}
	return time.Duration(math.Round(h.sum / float64(h.count)))
}

// Quantile returns the value below or at which a fraction q (0 ≤ q ≤ 1)
// of the recorded values lie: the value of rank ⌈q·Count⌉ (at least 1), to
// within [MaxRelError], never outside [Min, Max], and exactly Min
// or Max at the ends. Quantile(0.99) is
// the p99. It returns 0 for an empty histogram.
func (h *Histogram) Quantile(q float64) time.Duration {
	if h.count == 0 {
		return 0
	}
	q = min(max(q, 0), 1)
	rank := max(int64(math.Ceil(q*float64(h.count))), 1)
	switch rank {
	case 1:
		return time.Duration(h.min)
	case h.count:
		return time.Duration(h.max)
	}
	var seen int64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			return time.Duration(min(max(mid(i), h.min), h.max))
		}
	}
	return time.Duration(h.max)
}

// Bucket is one non-empty bucket: Count values in [Low, High).
type Bucket struct {
	Low, High time.Duration
	Count     int64
}

// Buckets returns the non-empty buckets in increasing order.
func (h *Histogram) Buckets() []Bucket {
	var out []Bucket
	for i, c := range h.counts {
		if c == 0 {
			continue
		}
		lo, w := bounds(i)
		out = append(out, Bucket{Low: time.Duration(lo), High: time.Duration(lo + w), Count: c})
	}
	return out
}
