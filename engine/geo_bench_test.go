package engine

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
)

// benchGeoSet stores n random positions under "g".
func benchGeoSet(b *testing.B, n int) *kt {
	k := newKT(b)
	rng := rand.New(rand.NewPCG(3, 4))
	scores := make([]float64, n)
	for i := range scores {
		scores[i] = geoEncodeScore(rng.Float64()*360-180, rng.Float64()*170-85)
	}
	slices.Sort(scores)
	z := newZSetFor(k.n, n, 8)
	for i, s := range scores {
		z.insert("m"+strconv.Itoa(i), s)
	}
	k.put(0, "g", z)
	return k
}

func BenchmarkGeoSearchRadius(b *testing.B) {
	k := benchGeoSet(b, 100_000)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		k.do("GEOSEARCH", "g", "FROMLONLAT", "13.4", "38.1", "BYRADIUS", "300", "km", "WITHDIST", "ASC")
	}
}

func BenchmarkGeoDistance(b *testing.B) {
	x := 0.0
	for i := 0; i < b.N; i++ {
		x += geoDistance(13.361389, 38.115556, 15.087269+float64(i&7)*1e-3, 37.502669)
	}
	_ = x
}
