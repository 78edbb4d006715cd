package engine

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// Expected values below come from Valkey 8.0.1 (valkey-server on x86-64).

func TestGeohashEncodeDecode(t *testing.T) {
	for _, c := range []struct {
		lon, lat   float64
		score      float64
		dlon, dlat string // GEOPOS's digits
	}{
		{13.361389, 38.115556, 3479099956230698, "13.36138933897018433", "38.11555639549629859"},
		{15.087269, 37.502669, 3479447370796909, "15.08726745843887329", "37.50266842333162032"},
		// The upper limits make 2^26 of a 26-bit range: Valkey's score
		// then has bits above the 52nd.
		{180, 85.05112878, 13510798882111488, "180", "85.0511287799999991"},
		{-180, -85.05112878, 0, "-179.99999731779098511", "-85.05112751263942528"},
		{0, 0, 3377699720527872, "0.00000268220901489", "0.00000126736058093"},
	} {
		if got := geoEncodeScore(c.lon, c.lat); got != c.score {
			t.Errorf("encode(%v, %v) = %v, want %v", c.lon, c.lat, got, c.score)
		}
		lon, lat := geoDecodeScore(c.score)
		if g := string(appendHumanDouble(nil, lon)); g != c.dlon {
			t.Errorf("decode(%v) longitude %s, want %s", c.score, g, c.dlon)
		}
		if g := string(appendHumanDouble(nil, lat)); g != c.dlat {
			t.Errorf("decode(%v) latitude %s, want %s", c.score, g, c.dlat)
		}
	}
	// Scores GEOADD cannot make decode as C's casts and clamps do.
	for _, c := range []struct {
		score    float64
		lon, lat string
	}{
		{-1, "180", "85.0511287799999991"},
		{math.Inf(1), "-179.99999731779098511", "-85.05112751263942528"},
		{1e300, "-179.99999731779098511", "-85.05112751263942528"},
		{1.5, "-179.99999731779098511", "-85.05112497791824921"},
	} {
		lon, lat := geoDecodeScore(c.score)
		if g := string(appendHumanDouble(nil, lon)) + "," + string(appendHumanDouble(nil, lat)); g != c.lon+","+c.lat {
			t.Errorf("decode(%v) = %s, want %s,%s", c.score, g, c.lon, c.lat)
		}
	}
}

func TestGeohashInterleave(t *testing.T) {
	for i := 0; i < 1000; i++ {
		x, y := rand.Uint32(), rand.Uint32()
		v := interleave64(x, y)
		if got := deinterleave64(v); got != uint64(x)|uint64(y)<<32 {
			t.Fatalf("deinterleave(interleave(%x, %x)) = %x", x, y, got)
		}
		if v&1 != uint64(x&1) || (v>>1)&1 != uint64(y&1) {
			t.Fatalf("interleave(%x, %x) = %x: x goes to the even bits", x, y, v)
		}
	}
}

func TestGeohashString(t *testing.T) {
	for _, c := range []struct {
		score float64
		want  string
	}{
		{3479099956230698, "sqc8b49rny0"},
		{3479447370796909, "sqdtr74hyu0"},
		{-1, "bp05b5048p0"},
		{13510798882111488, "bp05b5048p0"},
		{0, "00bh0hbj200"},
	} {
		if got := string(geohashString(nil, c.score)); got != c.want {
			t.Errorf("geohash(%v) = %s, want %s", c.score, got, c.want)
		}
	}
}

func TestGeoDistance(t *testing.T) {
	p := func(s float64) (float64, float64) { return geoDecodeScore(s) }
	for _, c := range []struct {
		a, b float64
		unit float64
		want string
	}{
		{3479099956230698, 3479447370796909, 1, "166274.1516"},
		{3479099956230698, 3479447370796909, 1000, "166.2742"},
		{3479099956230698, 3479447370796909, 1609.34, "103.3182"},
		{3479099956230698, 3479447370796909, 0.3048, "545518.8700"},
		{3479099956230698, 3479099956230698, 1, "0.0000"},
		{13510798882111488, 0, 1, "18919844.5891"},
	} {
		lon1, lat1 := p(c.a)
		lon2, lat2 := p(c.b)
		if got := string(appendDistance(nil, geoDistance(lon1, lat1, lon2, lat2)/c.unit)); got != c.want {
			t.Errorf("distance(%v, %v) / %v = %s, want %s", c.a, c.b, c.unit, got, c.want)
		}
	}
	for _, c := range []struct {
		d    float64
		want string
	}{
		// llrint of the product in binary: 5e-05*10^4 is just below 0.5.
		{0, "0.0000"}, {0.00004, "0.0000"}, {0.00005, "0.0000"}, {0.00015, "0.0001"}, {0.00016, "0.0002"},
		{1.23456789, "1.2346"}, {12345678.9, "12345678.9000"}, {0.7775, "0.7775"},
	} {
		if got := string(appendDistance(nil, c.d)); got != c.want {
			t.Errorf("appendDistance(%v) = %s, want %s", c.d, got, c.want)
		}
	}
}

// TestGeoMath checks the correctly rounded functions on inputs where Go's
// math package and glibc disagree (glibc's results as expected).
func TestGeoMath(t *testing.T) {
	for _, c := range []struct {
		fn      string
		in, out uint64
	}{
		{"cos", 0xbfc69e57e15b0f34, 0x3fef806ed981c32d},
		{"cos", 0x3fec80331d7ea5ad, 0x3fe420022b1f9af6},
		{"cos", 0x3fe50855d001a377, 0x3fe9555111c8d00f},
		{"sin", 0x3fec80331d7ea5ad, 0x3fe8e11e619b1d55},
		{"sin", 0x400436b0d87fec96, 0x3fe275b223ea7444},
		{"sin", 0x400d21fa87aa2bdc, 0xbfdeaee2d7daae47},
		{"asin", 0x3fecef6415d88467, 0x3ff212a8fb972dad},
		{"asin", 0x3fefffff17562ee0, 0x3ff91e2b1e170a7b},
		{"asin", 0x3feffffec94e2403, 0x3ff91d933b17275f},
	} {
		x := math.Float64frombits(c.in)
		var got float64
		switch c.fn {
		case "sin":
			got = geoSin(x)
		case "cos":
			got = geoCos(x)
		default:
			got = geoAsin(x)
		}
		if math.Float64bits(got) != c.out {
			t.Errorf("%s(%x) = %x, want %x", c.fn, x, got, math.Float64frombits(c.out))
		}
	}
	// Agreement with math within an ulp over the ranges the geo code uses.
	for i := 0; i < 20000; i++ {
		x := (rand.Float64()*2 - 1) * 4
		if d := math.Abs(geoSin(x) - math.Sin(x)); d > 2*ulp(math.Sin(x)) {
			t.Fatalf("sin(%v): %v vs %v", x, geoSin(x), math.Sin(x))
		}
		if d := math.Abs(geoCos(x) - math.Cos(x)); d > 2*ulp(math.Cos(x)) {
			t.Fatalf("cos(%v): %v vs %v", x, geoCos(x), math.Cos(x))
		}
		s := rand.Float64()
		// Go's Asin drifts by several ulps near 1.
		if d := math.Abs(geoAsin(s) - math.Asin(s)); d > 1e-12 {
			t.Fatalf("asin(%v): %v vs %v", s, geoAsin(s), math.Asin(s))
		}
	}
	if geoAsin(1) != math.Pi/2 || geoAsin(0) != 0 || !math.IsNaN(geoAsin(1.0000000000000002)) {
		t.Error("asin at the ends of its domain")
	}
	if geoSin(0) != 0 || geoCos(0) != 1 || geoCos(1e300) != math.Cos(1e300) {
		t.Error("sin/cos special arguments")
	}
}

func ulp(x float64) float64 {
	x = math.Abs(x)
	return math.Nextafter(x, math.Inf(1)) - x
}

// TestGeoAreas checks the cells a search visits: the step from the radius
// and latitude, the neighbours wrapping at the antimeridian, and those the
// bounding box excludes.
func TestGeoAreas(t *testing.T) {
	for _, c := range []struct {
		meters, lat float64
		want        uint8
	}{
		{0, 0, 26}, {1, 0, 24}, {1000, 0, 14}, {1000, 70, 13}, {1000, -85, 12},
		{5e6, 0, 2}, {6e6, 0, 1}, {math.Inf(1), 0, 1}, {5e-324, 0, 26},
	} {
		if got := geohashEstimateSteps(c.meters, c.lat); got != c.want {
			t.Errorf("steps(%v m at %v) = %d, want %d", c.meters, c.lat, got, c.want)
		}
	}
	// East of the cell at the antimeridian is the cell at -180.
	s := geoShape{kind: geoCircle, xy: [2]float64{179.99, 10}, radius: 50, conversion: 1000}
	a := geohashAreasByShape(&s)
	longR, latR := geoWGS84()
	east, _ := geohashDecode(longR, latR, a.neighbors.east)
	if a.neighbors.east.isZero() || east.long.min != -180 {
		t.Errorf("east neighbour at the antimeridian: %+v", east)
	}
	if s.bounds[2] <= 180 {
		t.Errorf("bounds %v: the box crosses the antimeridian", s.bounds)
	}
	// A small search in the middle of its cell excludes neighbours.
	s = geoShape{kind: geoCircle, xy: [2]float64{13.361389, 38.115556}, radius: 1, conversion: 1}
	a = geohashAreasByShape(&s)
	zeroed := 0
	for _, h := range []geoBits{a.neighbors.north, a.neighbors.south, a.neighbors.east, a.neighbors.west,
		a.neighbors.northEast, a.neighbors.northWest, a.neighbors.southEast, a.neighbors.southWest} {
		if h.isZero() {
			zeroed++
		}
	}
	if zeroed == 0 {
		t.Errorf("no neighbour excluded for a 1 m search: %+v", a)
	}
}

func TestGeoWithinBox(t *testing.T) {
	s := geoShape{kind: geoRect, xy: [2]float64{0, 0}, width: 200, height: 100, conversion: 1000}
	for _, c := range []struct {
		lon, lat float64
		in       bool
	}{
		{0.89, 0, true}, {0.91, 0, false}, {0, 0.44, true}, {0, 0.46, false}, {-0.89, -0.44, true},
	} {
		if _, in := s.within([2]float64{c.lon, c.lat}); in != c.in {
			t.Errorf("within box (%v, %v) = %v, want %v", c.lon, c.lat, in, c.in)
		}
	}
}

// TestGeoPartialSort checks pqsort's contract on inputs with many ties: the
// first k points are the k nearest, in order.
func TestGeoPartialSort(t *testing.T) {
	for round := 0; round < 300; round++ {
		n := 1 + rand.IntN(200)
		k := 1 + rand.IntN(n)
		p := make([]geoPoint, n)
		for i := range p {
			p[i].dist = float64(rand.IntN(1 + n/4))
		}
		want := slices.Clone(p)
		slices.SortFunc(want, geoCmpAsc)
		geoPartialSort(p, k, geoCmpAsc)
		for i := 0; i < k; i++ {
			if p[i].dist != want[i].dist {
				t.Fatalf("n=%d k=%d: position %d has %v, want %v", n, k, i, p[i].dist, want[i].dist)
			}
		}
		geoPartialSort(p, k, geoCmpDesc)
		for i := 0; i < k; i++ {
			if p[i].dist != want[n-1-i].dist {
				t.Fatalf("desc n=%d k=%d: position %d has %v", n, k, i, p[i].dist)
			}
		}
	}
}

func TestGeoRadiusKeys(t *testing.T) {
	args := func(s ...string) [][]byte {
		out := make([][]byte, len(s))
		for i := range s {
			out[i] = []byte(s[i])
		}
		return out
	}
	for _, c := range []struct {
		argv []string
		want []int
	}{
		{[]string{"georadius", "k", "1", "2", "3", "km"}, []int{1}},
		{[]string{"georadius", "k", "1", "2", "3", "km", "STORE", "d"}, []int{1, 7}},
		{[]string{"georadius", "k", "1", "2", "3", "km", "STORE", "d", "storedist", "e"}, []int{1, 9}},
		{[]string{"georadius", "k", "1", "2", "3", "km", "STORE"}, []int{1}},
		{[]string{"georadiusbymember", "k", "m", "3", "km", "STOREDIST", "d", "COUNT", "2"}, []int{1, 6}},
	} {
		if got := georadiusKeys(args(c.argv...)); !slices.Equal(got, c.want) {
			t.Errorf("%q: keys %v, want %v", c.argv, got, c.want)
		}
	}
}
