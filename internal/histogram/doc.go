// Package histogram records latencies in log-linear buckets, as an HDR
// histogram does: a fixed relative error (under 1%) at every scale, from a
// nanosecond to hours, in a few kilobytes, at the cost of never knowing a
// value more exactly than its bucket.
//
// A load generator records one latency per request, millions of them; kept
// as a sorted slice they cost 8 bytes each and a sort at the end. A
// [Histogram] costs one increment per request and its size grows only with
// the logarithm of the largest value, so every client can keep its own,
// without a lock, and the run merges them at the end with [Histogram.Merge].
//
// Values below 2^[SubBucketBits] nanoseconds are kept exactly. Above, each
// power of two is cut into 2^[SubBucketBits] equal buckets, so a bucket is
// never wider than 1/64 of its lower bound, and a value read back (its
// bucket's midpoint) is within 1/128 of the value recorded: [MaxRelError].
package histogram
