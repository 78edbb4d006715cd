package resp

import (
	"math/bits"
	"sync/atomic"
)

// hdrHist is a High Dynamic Range histogram of command durations in
// nanoseconds with the shape Valkey gives its per-command latency
// histograms: values 1ns to 1s, two significant decimal digits. Its
// bucketing, percentiles and logarithmic iteration follow HdrHistogram's,
// so INFO latencystats and LATENCY HISTOGRAM print what Valkey prints for
// the same durations. Recording is one atomic add; readers take a
// snapshot of the counts.
type hdrHist struct {
	counts [hdrCountsLen]atomic.Int64
}

// The histogram's layout for lowest value 1, highest 1e9 and 2 significant
// digits: sub-buckets of 256 values (the smallest power of two above
// 2*10^2), the lower half of every bucket after the first shared with the
// bucket before it.
const (
	hdrLowest              = 1
	hdrHighest             = 1_000_000_000
	hdrSubBucketCount      = 256
	hdrSubBucketHalfCount  = hdrSubBucketCount / 2
	hdrSubBucketHalfMag    = 7 // log2(hdrSubBucketHalfCount)
	hdrSubBucketMask       = hdrSubBucketCount - 1
	hdrBucketCount         = 23 // buckets until 256<<22 exceeds hdrHighest
	hdrCountsLen           = (hdrBucketCount + 1) * hdrSubBucketHalfCount
	hdrUnitMagnitude       = 0 // log2(hdrLowest)
	hdrFirstReportingLevel = 1024
)

// record adds one duration of ns nanoseconds, clamped to the histogram's
// range as Valkey clamps it.
func (h *hdrHist) record(ns int64) {
	ns = min(max(ns, hdrLowest), hdrHighest)
	h.counts[hdrCountsIndexFor(ns)].Add(1)
}

// hdrSnapshot is a copy of a histogram's counts and their sum.
type hdrSnapshot struct {
	counts [hdrCountsLen]int64
	total  int64
}

func (h *hdrHist) snapshot() *hdrSnapshot {
	s := &hdrSnapshot{}
	for i := range h.counts {
		n := h.counts[i].Load()
		s.counts[i] = n
		s.total += n
	}
	return s
}

func hdrBucketIndex(v int64) int {
	pow2ceiling := 64 - bits.LeadingZeros64(uint64(v|hdrSubBucketMask))
	return pow2ceiling - hdrUnitMagnitude - (hdrSubBucketHalfMag + 1)
}

func hdrSubBucketIndex(v int64, bucket int) int {
	return int(v >> (bucket + hdrUnitMagnitude))
}

func hdrCountsIndex(bucket, sub int) int {
	return (bucket+1)<<hdrSubBucketHalfMag + sub - hdrSubBucketHalfCount
}

func hdrCountsIndexFor(v int64) int {
	b := hdrBucketIndex(v)
	return hdrCountsIndex(b, hdrSubBucketIndex(v, b))
}

// hdrValueAtIndex is the lowest value counted at counts index i.
func hdrValueAtIndex(i int) int64 {
	bucket := i>>hdrSubBucketHalfMag - 1
	sub := i&(hdrSubBucketHalfCount-1) + hdrSubBucketHalfCount
	if bucket < 0 {
		sub -= hdrSubBucketHalfCount
		bucket = 0
	}
	return int64(sub) << (bucket + hdrUnitMagnitude)
}

// hdrLowestEquivalent is the lowest value counted with v.
func hdrLowestEquivalent(v int64) int64 {
	b := hdrBucketIndex(v)
	return int64(hdrSubBucketIndex(v, b)) << (b + hdrUnitMagnitude)
}

// hdrHighestEquivalent is the highest value counted with v.
func hdrHighestEquivalent(v int64) int64 {
	b := hdrBucketIndex(v)
	sub := hdrSubBucketIndex(v, b)
	adjusted := b
	if sub >= hdrSubBucketCount {
		adjusted++
	}
	return hdrLowestEquivalent(v) + int64(1)<<(hdrUnitMagnitude+adjusted) - 1
}

// valueAtPercentile is HdrHistogram's hdr_value_at_percentile: the highest
// value equivalent to the one at percentile p (the lowest, for p = 0).
func (s *hdrSnapshot) valueAtPercentile(p float64) int64 {
	want := int64(min(p, 100)/100*float64(s.total) + 0.5)
	want = max(want, 1)
	var v int64
	var sum int64
	for i, n := range s.counts {
		sum += n
		if sum >= want {
			v = hdrValueAtIndex(i)
			break
		}
	}
	if p == 0 {
		return hdrLowestEquivalent(v)
	}
	return hdrHighestEquivalent(v)
}

// cdf returns LATENCY HISTOGRAM's buckets: for reporting levels 1024ns,
// 2048ns, 4096ns... (HdrHistogram's logarithmic iteration, base 2), the
// level's highest equivalent value in microseconds and the number of
// durations up to it, for the levels where that number grows.
func (s *hdrSnapshot) cdf() (usec, cumulative []int64) {
	idx, sum, prev := -1, int64(0), int64(0)
	value := int64(0)
	for level := int64(hdrFirstReportingLevel); sum < s.total; level *= 2 {
		levelLowest := hdrLowestEquivalent(level)
		for value < levelLowest && idx+1 < hdrCountsLen {
			idx++
			sum += s.counts[idx]
			value = hdrValueAtIndex(idx)
		}
		if sum > prev {
			usec = append(usec, hdrHighestEquivalent(value)/1000)
			cumulative = append(cumulative, sum)
		}
		prev = sum
		if idx+1 >= hdrCountsLen {
			break
		}
	}
	return usec, cumulative
}
