package engine

import (
	"math"
	"strconv"
)

// Geo commands: GEOADD GEODIST GEOHASH GEOPOS (this file); GEORADIUS,
// GEORADIUSBYMEMBER and their _RO forms, GEOSEARCH, GEOSEARCHSTORE
// (geo_search.go). Positions live in sorted sets as 52-bit geohash scores
// (geohash.go).

var geoCommands = []*Command{
	{Name: "geoadd", Arity: -5, Flags: Write | DenyOOM, First: 1, Last: 1, Step: 1, Group: "geo", Run: cmdGeoAdd},
	{Name: "geodist", Arity: -4, Flags: ReadOnly, First: 1, Last: 1, Step: 1, Group: "geo", Run: cmdGeoDist},
	{Name: "geohash", Arity: -2, Flags: ReadOnly, First: 1, Last: 1, Step: 1, Group: "geo", Run: cmdGeoHash},
	{Name: "geopos", Arity: -2, Flags: ReadOnly, First: 1, Last: 1, Step: 1, Group: "geo", Run: cmdGeoPos},
	{Name: "georadius", Arity: -6, Flags: Write | DenyOOM, First: 1, Last: 1, Step: 1, Keys: georadiusKeys, Group: "geo", Run: cmdGeoRadius},
	{Name: "georadiusbymember", Arity: -5, Flags: Write | DenyOOM, First: 1, Last: 1, Step: 1, Keys: georadiusKeys, Group: "geo", Run: cmdGeoRadiusByMember},
	{Name: "georadius_ro", Arity: -6, Flags: ReadOnly, First: 1, Last: 1, Step: 1, Group: "geo", Run: cmdGeoRadiusRO},
	{Name: "georadiusbymember_ro", Arity: -5, Flags: ReadOnly, First: 1, Last: 1, Step: 1, Group: "geo", Run: cmdGeoRadiusByMemberRO},
	{Name: "geosearch", Arity: -7, Flags: ReadOnly, First: 1, Last: 1, Step: 1, Group: "geo", Run: cmdGeoSearch},
	{Name: "geosearchstore", Arity: -8, Flags: Write | DenyOOM, First: 1, Last: 2, Step: 1, Group: "geo", Run: cmdGeoSearchStore},
}

// georadiusKeys finds GEORADIUS's and GEORADIUSBYMEMBER's keys as Valkey's
// georadiusGetKeys does: the source, and the argument after the last STORE
// or STOREDIST from the sixth argument on. Wherever the handler accepts a
// destination, it is this one.
func georadiusKeys(args [][]byte) []int {
	stored := -1
	for i := 5; i < len(args); i++ {
		if (optIs(args[i], "store") || optIs(args[i], "storedist")) && i+1 < len(args) {
			stored = i + 1
			i++
		}
	}
	if stored < 0 {
		return []int{1}
	}
	return []int{1, stored}
}

// geoLonLat parses a longitude and a latitude argument as Valkey's
// extractLongLatOrReply, replying the error itself.
func (c *Ctx) geoLonLat(lon, lat []byte) (xy [2]float64, ok bool) {
	if xy[0], ok = c.floatArg(lon); !ok {
		return xy, false
	}
	if xy[1], ok = c.floatArg(lat); !ok {
		return xy, false
	}
	if xy[0] < geoLongMin || xy[0] > geoLongMax || xy[1] < geoLatMin || xy[1] > geoLatMax {
		c.Error(ErrGeoLonLat(xy[0], xy[1]))
		return xy, false
	}
	return xy, true
}

// geoUnit returns the size in meters of a unit argument (M, KM, FT, MI),
// replying the error itself.
func (c *Ctx) geoUnit(u []byte) (float64, bool) {
	switch {
	case optIs(u, "m"):
		return 1, true
	case optIs(u, "km"):
		return 1000, true
	case optIs(u, "ft"):
		return 0.3048, true
	case optIs(u, "mi"):
		return 1609.34, true
	}
	c.Error(ErrGeoUnit)
	return 0, false
}

// cFormatF formats f as C's printf("%f").
func cFormatF(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		return "nan"
	}
	return strconv.FormatFloat(f, 'f', 6, 64)
}

// appendDistance appends a distance as Valkey's addReplyDoubleDistance
// does: rounded to nearest-even at four decimals (llrint of d*10^4), then
// printed with exactly four.
func appendDistance(dst []byte, d float64) []byte {
	n := int64(math.RoundToEven(d * 10000))
	if n < 0 {
		dst = append(dst, '-')
		n = -n
	}
	dst = strconv.AppendInt(dst, n/10000, 10)
	f := n % 10000
	return append(dst, '.', byte('0'+f/1000), byte('0'+f/100%10), byte('0'+f/10%10), byte('0'+f%10))
}

// appendHumanDouble appends f as Valkey's ld2string in LD_STR_HUMAN mode
// prints a double: "%.17Lf", trailing zeros and point removed, "-0" as
// "0".
func appendHumanDouble(dst []byte, f float64) []byte {
	start := len(dst)
	dst = strconv.AppendFloat(dst, f, 'f', 17, 64)
	for dst[len(dst)-1] == '0' {
		dst = dst[:len(dst)-1]
	}
	if dst[len(dst)-1] == '.' {
		dst = dst[:len(dst)-1]
	}
	if string(dst[start:]) == "-0" {
		dst = append(dst[:start], '0')
	}
	return dst
}

// rawReply is implemented by reply writers that accept protocol bytes
// as they are (the RESP writer).
type rawReply interface{ Raw(b []byte) }

// geoReplyCoord writes a coordinate as Valkey's addReplyHumanLongDouble:
// a bulk string in RESP2, a double with the same digits in RESP3.
func (c *Ctx) geoReplyCoord(f float64) {
	var buf [48]byte
	if c.R.Proto() > 2 {
		if w, ok := c.R.(rawReply); ok {
			b := append(buf[:0], ',')
			b = appendHumanDouble(b, f)
			w.Raw(append(b, '\r', '\n'))
			return
		}
		c.R.Double(f)
		return
	}
	c.R.Bulk(appendHumanDouble(buf[:0], f))
}

// cmdGeoAdd is GEOADD key [NX|XX] [CH] longitude latitude member ...: the
// positions become scores and ZADD does the rest, as in Valkey (same
// replies, events and options).
func cmdGeoAdd(c *Ctx) {
	args := c.Args
	nx, xx := false, false
	longIdx := 2
options:
	for ; longIdx < len(args); longIdx++ {
		switch a := args[longIdx]; {
		case optIs(a, "nx"):
			nx = true
		case optIs(a, "xx"):
			xx = true
		case optIs(a, "ch"):
		default:
			break options
		}
	}
	if (len(args)-longIdx)%3 != 0 || (nx && xx) {
		c.Error(ErrSyntax)
		return
	}
	elements := (len(args) - longIdx) / 3
	zargs := make([][]byte, longIdx+2*elements)
	zargs[0] = []byte("zadd")
	copy(zargs[1:], args[1:longIdx])
	// One buffer for every score, large enough never to move.
	scores := make([]byte, 0, 20*elements)
	for i := 0; i < elements; i++ {
		p := args[longIdx+3*i:]
		xy, ok := c.geoLonLat(p[0], p[1])
		if !ok {
			return
		}
		h, _ := geohashEncodeWGS84(xy[0], xy[1], geoStepMax)
		start := len(scores)
		scores = strconv.AppendUint(scores, geohashAlign52Bits(h), 10)
		zargs[longIdx+2*i] = scores[start:len(scores):len(scores)]
		zargs[longIdx+2*i+1] = p[2]
	}
	saved := c.Args
	c.Args = zargs
	zaddGeneric(c, false)
	c.Args = saved
}

// cmdGeoDist is GEODIST key member1 member2 [unit].
func cmdGeoDist(c *Ctx) {
	toMeters := 1.0
	switch {
	case len(c.Args) == 5:
		var ok bool
		if toMeters, ok = c.geoUnit(c.Args[4]); !ok {
			return
		}
	case len(c.Args) > 5:
		c.Error(ErrSyntax)
		return
	}
	z, ok := c.zsetRead(c.Args[1])
	if !ok {
		return
	}
	if z == nil {
		c.R.Null()
		return
	}
	s1, ok1 := z.Score(bstr(c.Args[2]))
	s2, ok2 := z.Score(bstr(c.Args[3]))
	if !ok1 || !ok2 {
		c.R.Null()
		return
	}
	lon1, lat1 := geoDecodeScore(s1)
	lon2, lat2 := geoDecodeScore(s2)
	var buf [32]byte
	c.R.Bulk(appendDistance(buf[:0], geoDistance(lon1, lat1, lon2, lat2)/toMeters))
}

// cmdGeoHash is GEOHASH key member ...: each position as an 11-character
// standard geohash, null for a missing member.
func cmdGeoHash(c *Ctx) {
	z, ok := c.zsetRead(c.Args[1])
	if !ok {
		return
	}
	c.R.Array(len(c.Args) - 2)
	var buf [11]byte
	for _, m := range c.Args[2:] {
		if z != nil {
			if s, ok := z.Score(bstr(m)); ok {
				c.R.Bulk(geohashString(buf[:0], s))
				continue
			}
		}
		c.R.Null()
	}
}

// cmdGeoPos is GEOPOS key member ...: each position as [longitude,
// latitude], a null array for a missing member.
func cmdGeoPos(c *Ctx) {
	z, ok := c.zsetRead(c.Args[1])
	if !ok {
		return
	}
	c.R.Array(len(c.Args) - 2)
	for _, m := range c.Args[2:] {
		if z != nil {
			if s, ok := z.Score(bstr(m)); ok {
				lon, lat := geoDecodeScore(s)
				c.R.Array(2)
				c.geoReplyCoord(lon)
				c.geoReplyCoord(lat)
				continue
			}
		}
		c.R.NullArray()
	}
}
