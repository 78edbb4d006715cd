package resp

import (
	"fmt"
	"slices"
	"testing"
)

// The expectations below are what Valkey's HdrHistogram (deps/hdr_histogram,
// initialised as Valkey initialises command histograms) gives for the same
// values.
func TestHdrHistMatchesHdrHistogram(t *testing.T) {
	var h hdrHist
	for _, v := range []int64{1000, 1000, 2000, 37000, 37000, 999000, 0, 5, 123456789, 2000000000} {
		h.record(v)
	}
	s := h.snapshot()
	if s.total != 10 {
		t.Fatalf("total %d", s.total)
	}
	for _, tc := range []struct {
		p    float64
		want string
	}{
		{0, "0.001"}, {0.1, "0.001"}, {1, "0.001"}, {50, "2.007"}, {90, "123731.967"},
		{99, "1002438.655"}, {99.9, "1002438.655"}, {100, "1002438.655"}, {150, "1002438.655"},
	} {
		if got := fmt.Sprintf("%.3f", float64(s.valueAtPercentile(tc.p))/1000); got != tc.want {
			t.Errorf("p%g = %s, want %s", tc.p, got, tc.want)
		}
	}
	usec, cum := s.cdf()
	if want := []int64{1, 2, 66, 1056, 135266, 1073741}; !slices.Equal(usec, want) {
		t.Errorf("cdf buckets %v, want %v", usec, want)
	}
	if want := []int64{4, 5, 7, 8, 9, 10}; !slices.Equal(cum, want) {
		t.Errorf("cdf counts %v, want %v", cum, want)
	}
}

func TestHdrHistEquivalentValues(t *testing.T) {
	for _, tc := range []struct{ v, lo, hi int64 }{
		{1, 1, 1}, {255, 255, 255}, {256, 256, 257}, {1000, 1000, 1003}, {1024, 1024, 1031},
		{2048, 2048, 2063}, {1_000_000_000, 998_244_352, 1_002_438_655},
	} {
		if lo, hi := hdrLowestEquivalent(tc.v), hdrHighestEquivalent(tc.v); lo != tc.lo || hi != tc.hi {
			t.Errorf("%d: [%d, %d], want [%d, %d]", tc.v, lo, hi, tc.lo, tc.hi)
		}
	}
	// Every value of the range has a counts index, the highest the last.
	if i := hdrCountsIndexFor(hdrHighest); i >= hdrCountsLen {
		t.Fatalf("index %d of %d", i, hdrCountsLen)
	}
	var empty hdrHist
	if usec, _ := empty.snapshot().cdf(); len(usec) != 0 {
		t.Errorf("empty histogram cdf %v", usec)
	}
}
