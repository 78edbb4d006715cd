package engine

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
)

// Command-level geo tests (expected replies from Valkey 8.0.1); the
// differential script testdata/compat/geo.txt covers the options and
// errors against a real server.

func TestGeoCommands(t *testing.T) {
	k := newKT(t)
	k.is(":2\r\n", "GEOADD", "Sicily", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania")
	k.is("$16\r\n3479099956230698\r\n", "ZSCORE", "Sicily", "Palermo")
	k.is(":0\r\n", "GEOADD", "Sicily", "13.361389", "38.115556", "Palermo")
	k.is(":1\r\n", "GEOADD", "Sicily", "CH", "13.4", "38.1", "Palermo")
	k.is(":0\r\n", "GEOADD", "Sicily", "13.361389", "38.115556", "Palermo")
	k.is("-ERR syntax error\r\n", "GEOADD", "Sicily", "NX", "XX", "1", "2", "x")
	k.is("-ERR invalid longitude,latitude pair 181.000000,10.000000\r\n", "GEOADD", "Sicily", "181", "10", "x")
	k.is("-ERR invalid longitude,latitude pair inf,10.000000\r\n", "GEOADD", "Sicily", "inf", "10", "x")
	k.is("-ERR value is not a valid float\r\n", "GEOADD", "Sicily", "1", "x", "x")
	k.is("$8\r\n166.2742\r\n", "GEODIST", "Sicily", "Palermo", "Catania", "km")
	k.is("$-1\r\n", "GEODIST", "Sicily", "Palermo", "nosuch")
	k.is("-ERR unsupported unit provided. please use M, KM, FT, MI\r\n", "GEODIST", "Sicily", "a", "b", "au")
	k.is("*2\r\n$11\r\nsqc8b49rny0\r\n$-1\r\n", "GEOHASH", "Sicily", "Palermo", "nosuch")
	k.is("*2\r\n*2\r\n$20\r\n13.36138933897018433\r\n$20\r\n38.11555639549629859\r\n*-1\r\n", "GEOPOS", "Sicily", "Palermo", "nosuch")
	k.is("*2\r\n*2\r\n$7\r\nCatania\r\n$7\r\n56.4413\r\n*2\r\n$7\r\nPalermo\r\n$8\r\n190.4424\r\n",
		"GEORADIUS", "Sicily", "15", "37", "200", "km", "WITHDIST", "ASC")
	k.is("*1\r\n*3\r\n$7\r\nCatania\r\n:3479447370796909\r\n*2\r\n$20\r\n15.08726745843887329\r\n$20\r\n37.50266842333162032\r\n",
		"GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYBOX", "400", "400", "km", "COUNT", "1", "WITHHASH", "WITHCOORD")
	k.is("-ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for geosearch\r\n", "geosearch", "Sicily", "BYRADIUS", "1", "km", "ASC", "ASC")
	k.is("-ERR could not decode requested zset member\r\n", "GEORADIUSBYMEMBER", "Sicily", "nosuch", "1", "km")
	k.is("*0\r\n", "GEORADIUSBYMEMBER", "nokey", "nosuch", "x", "au")

	// STORE and STOREDIST; an empty result deletes the destination.
	k.is(":2\r\n", "GEORADIUS", "Sicily", "15", "37", "200", "km", "STORE", "dst")
	k.is("$16\r\n3479099956230698\r\n", "ZSCORE", "dst", "Palermo")
	k.is(":1\r\n", "GEOSEARCHSTORE", "dst", "Sicily", "FROMMEMBER", "Palermo", "BYRADIUS", "1", "km", "STOREDIST")
	k.is("$1\r\n0\r\n", "ZSCORE", "dst", "Palermo")
	k.is(":0\r\n", "GEOSEARCHSTORE", "dst", "Sicily", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km")
	k.is(":0\r\n", "EXISTS", "dst")
	k.is("+OK\r\n", "SET", "dst", "x")
	k.is(":0\r\n", "GEORADIUS", "nokey", "15", "37", "200", "km", "STORE", "dst")
	k.is(":0\r\n", "EXISTS", "dst")
	k.is("+OK\r\n", "SET", "dst", "x")
	k.is("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", "GEOSEARCH", "dst", "FROMLONLAT", "15", "37", "BYRADIUS", "1", "km")
	k.is("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", "GEOPOS", "dst", "a")
}

// TestGeoRESP3 checks that coordinates become doubles with GEOPOS's digits
// when the writer takes raw protocol, and distances stay bulk strings.
func TestGeoRESP3(t *testing.T) {
	k := newKT(t)
	k.do("GEOADD", "g", "13.361389", "38.115556", "Palermo")
	raw := &rawRecordReply{recordReply{proto: 3}}
	c := Ctx{Args: [][]byte{[]byte("GEOPOS"), []byte("g"), []byte("Palermo"), []byte("x")}, R: raw, Client: k.cl}
	c.Cmd, _ = k.n.Table().Resolve(c.Args)
	k.n.Call(&c)
	if got, want := raw.String(), "*2\r\n*2\r\n,13.36138933897018433\r\n,38.11555639549629859\r\n_\r\n"; got != want {
		t.Errorf("GEOPOS in RESP3: %q, want %q", got, want)
	}
	k.rec.proto = 3
	k.is("$6\r\n0.0000\r\n", "GEODIST", "g", "Palermo", "Palermo")
}

// rawRecordReply is a recorder that accepts raw protocol as the RESP
// writer does.
type rawRecordReply struct{ recordReply }

func (r *rawRecordReply) Raw(b []byte) { r.buf = append(r.buf, b...) }

// TestGeoCountAny checks that COUNT ... ANY stops at the first members
// found, unsorted unless asked, in the order Valkey finds them.
func TestGeoCountAny(t *testing.T) {
	k := newKT(t)
	args := []string{"GEOADD", "g"}
	for i := 0; i < 20; i++ {
		args = append(args, strconv.FormatFloat(10+float64(i)*0.001, 'f', 3, 64), "10", "p"+strconv.Itoa(i))
	}
	k.do(args...)
	k.is("*3\r\n$2\r\np0\r\n$2\r\np1\r\n$2\r\np2\r\n", "GEORADIUS", "g", "10.01", "10", "5", "km", "COUNT", "3", "ANY")
	k.is("*3\r\n$2\r\np2\r\n$2\r\np1\r\n$2\r\np0\r\n", "GEORADIUS", "g", "10.01", "10", "5", "km", "COUNT", "3", "ANY", "ASC")
	k.is("*3\r\n$3\r\np10\r\n$3\r\np11\r\n$2\r\np9\r\n", "GEORADIUS", "g", "10.01", "10", "5", "km", "COUNT", "3")
	k.is("-ERR the ANY argument requires COUNT argument\r\n", "GEORADIUS", "g", "10.01", "10", "5", "km", "ANY")

	z := geoTestSet(k, "g")
	s := geoShape{kind: geoCircle, xy: [2]float64{10.01, 10}, radius: 5, conversion: 1000}
	area := geohashAreasByShape(&s)
	all, _ := geoMembersOfAllNeighbors(z, &area, &s, 0)
	some, visited := geoMembersOfAllNeighbors(z, &area, &s, 3)
	if len(all) != 20 || len(some) != 3 || visited != 3 {
		t.Errorf("ANY: %d of %d found, %d visited", len(some), len(all), visited)
	}
}

func geoTestSet(k *kt, key string) *ZSet {
	e := k.n.Default().DB(0).find(key, k.nowMs())
	return e.Val.val().(*ZSet)
}

// TestGeoSearchBound checks on a large set that a search visits only the
// members of its candidate cells, O(log n + m), and finds exactly the
// members a full scan finds.
func TestGeoSearchBound(t *testing.T) {
	n := 1_000_000
	if raceEnabled || testing.Short() {
		n = 100_000
	}
	k := newKT(t)
	rng := rand.New(rand.NewPCG(1, 2))
	scores := make([]float64, n)
	for i := range scores {
		scores[i] = geoEncodeScore(rng.Float64()*360-180, rng.Float64()*170-85)
	}
	slices.Sort(scores) // inserting in order is several times faster
	z := NewZSet()
	z.toSkiplist()
	for i, s := range scores {
		z.insert("m"+strconv.Itoa(i), s)
	}
	k.n.Default().DB(0).set("big", z, false, k.nowMs())
	for _, c := range []struct {
		lon, lat, km float64
		box          bool
	}{
		{13.4, 38.1, 50, false}, {179.9, 0, 80, false}, {-100, 60, 100, true}, {0, -84, 60, false},
	} {
		s := geoShape{kind: geoCircle, xy: [2]float64{c.lon, c.lat}, radius: c.km, conversion: 1000}
		if c.box {
			s = geoShape{kind: geoRect, xy: [2]float64{c.lon, c.lat}, width: 2 * c.km, height: 2 * c.km, conversion: 1000}
		}
		area := geohashAreasByShape(&s)
		got, visited := geoMembersOfAllNeighbors(z, &area, &s, 0)
		var want []string
		for x := z.sk.zsl.first(); x != nil; x = x.next() {
			var xy [2]float64
			xy[0], xy[1] = geoDecodeScore(x.score)
			// No great circle is shorter than the difference in latitude.
			if geoLatDistance(xy[1], c.lat) > c.km*1000*1.001 {
				continue
			}
			if _, in := s.within(xy); in {
				want = append(want, x.member)
			}
		}
		names := make([]string, len(got))
		for i := range got {
			names[i] = got[i].member
		}
		slices.Sort(names)
		slices.Sort(want)
		if !slices.Equal(names, want) {
			t.Errorf("%+v: found %d members, a scan finds %d", c, len(names), len(want))
		}
		// The cells cover a few times the search area: thousands of
		// members at most, never the whole set.
		t.Logf("%+v: %d results, %d of %d members visited", c, len(want), visited, n)
		if limit := 50*len(want) + 2000; visited > limit || visited > n/50 {
			t.Errorf("%+v: visited %d members of %d for %d results", c, visited, n, len(want))
		}
	}
}
