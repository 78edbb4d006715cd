package engine

import "math"

// Geohash arithmetic for the geo commands, re-expressed from Valkey's
// geohash.c and geohash_helper.c so that every score, cell, distance and
// bounding box comes out bit for bit as Valkey computes it: the same
// operations in the same order, constants rounded the way C rounds them,
// and no fused multiply-add (explicit float64 conversions forbid it).
//
// A position is stored as a sorted set score: a 52-bit integer that
// interleaves 26 bits of latitude (even bits) with 26 bits of longitude
// (odd bits), over the Web Mercator ranges -180..180 and
// -85.05112878..85.05112878.

// geoStepMax is the precision of a stored score: 26 steps, 52 bits.
const geoStepMax = 26

// Coordinate limits (EPSG:900913). Latitudes beyond ±85.05112878 cannot be
// indexed.
const (
	geoLatMin  = -85.05112878
	geoLatMax  = 85.05112878
	geoLongMin = -180.0
	geoLongMax = 180.0
)

// Valkey's constants. They are variables so that expressions using them
// are evaluated in float64 as C evaluates them, not exactly as Go
// evaluates constant expressions.
var (
	// geoDR is M_PI/180 computed from the double M_PI.
	geoDR = geoPi / 180.0
	geoPi = float64(math.Pi)
	// geoEarthRadius is the earth's quadratic mean radius for WGS-84, in
	// meters.
	geoEarthRadius = 6372797.560856
	// geoMercatorMax is half the Mercator projection's width, in meters.
	geoMercatorMax = 20037726.37
)

// geoRange is a coordinate interval.
type geoRange struct{ min, max float64 }

// geoBits is a geohash: step*2 interleaved bits. The zero value (bits 0,
// step 0) marks a cell excluded from a search.
type geoBits struct {
	bits uint64
	step uint8
}

func (h geoBits) isZero() bool { return h.bits == 0 && h.step == 0 }

// geoArea is a geohash cell and the coordinates it spans.
type geoArea struct {
	hash      geoBits
	long, lat geoRange
}

// geoWGS84 returns the ranges scores are encoded in.
func geoWGS84() (long, lat geoRange) {
	return geoRange{geoLongMin, geoLongMax}, geoRange{geoLatMin, geoLatMax}
}

// interleave64 spreads the low 32 bits of x over the even bits and those
// of y over the odd bits of the result.
func interleave64(x, y uint32) uint64 {
	return spreadBits(x) | spreadBits(y)<<1
}

func spreadBits(v uint32) uint64 {
	x := uint64(v)
	x = (x | x<<16) & 0x0000FFFF0000FFFF
	x = (x | x<<8) & 0x00FF00FF00FF00FF
	x = (x | x<<4) & 0x0F0F0F0F0F0F0F0F
	x = (x | x<<2) & 0x3333333333333333
	x = (x | x<<1) & 0x5555555555555555
	return x
}

// deinterleave64 undoes interleave64: the even bits come back in the low
// 32 bits of the result, the odd bits in the high 32.
func deinterleave64(v uint64) uint64 {
	return squeezeBits(v) | squeezeBits(v>>1)<<32
}

func squeezeBits(x uint64) uint64 {
	x &= 0x5555555555555555
	x = (x | x>>1) & 0x3333333333333333
	x = (x | x>>2) & 0x0F0F0F0F0F0F0F0F
	x = (x | x>>4) & 0x00FF00FF00FF00FF
	x = (x | x>>8) & 0x0000FFFF0000FFFF
	x = (x | x>>16) & 0x00000000FFFFFFFF
	return x
}

// geohashEncode computes the step-bit geohash of a position within the
// given ranges. ok is false (and the hash's bits zero) when the position
// is outside the indexable limits or the ranges.
func geohashEncode(long, lat geoRange, longitude, latitude float64, step uint8) (h geoBits, ok bool) {
	if step > 32 || step == 0 || (lat.min == 0 && lat.max == 0) || (long.min == 0 && long.max == 0) {
		return geoBits{}, false
	}
	if longitude > geoLongMax || longitude < geoLongMin || latitude > geoLatMax || latitude < geoLatMin {
		return geoBits{}, false
	}
	h.step = step
	if latitude < lat.min || latitude > lat.max || longitude < long.min || longitude > long.max {
		return h, false
	}
	latOffset := (latitude - lat.min) / (lat.max - lat.min)
	longOffset := (longitude - long.min) / (long.max - long.min)
	scale := float64(uint64(1) << step)
	latOffset *= scale
	longOffset *= scale
	h.bits = interleave64(uint32(latOffset), uint32(longOffset))
	return h, true
}

// geohashEncodeWGS84 encodes a position in the score ranges.
func geohashEncodeWGS84(longitude, latitude float64, step uint8) (geoBits, bool) {
	long, lat := geoWGS84()
	return geohashEncode(long, lat, longitude, latitude, step)
}

// geohashDecode returns the cell a geohash names within the ranges. As in
// Valkey, the cell's upper bounds come from 32-bit arithmetic, which wraps
// for the out-of-range hashes arbitrary scores decode to.
func geohashDecode(long, lat geoRange, h geoBits) (a geoArea, ok bool) {
	if h.isZero() || (lat.min == 0 && lat.max == 0) || (long.min == 0 && long.max == 0) {
		return a, false
	}
	a.hash = h
	sep := deinterleave64(h.bits)
	latScale := lat.max - lat.min
	longScale := long.max - long.min
	ilato := uint32(sep)
	ilono := uint32(sep >> 32)
	div := float64(uint64(1) << h.step)
	a.lat.min = lat.min + float64(float64(ilato)/div*latScale)
	a.lat.max = lat.min + float64(float64(ilato+1)/div*latScale)
	a.long.min = long.min + float64(float64(ilono)/div*longScale)
	a.long.max = long.min + float64(float64(ilono+1)/div*longScale)
	return a, true
}

// center returns the middle of the cell, clamped to the indexable limits.
func (a *geoArea) center() (longitude, latitude float64) {
	longitude = (a.long.min + a.long.max) / 2
	longitude = min(max(longitude, geoLongMin), geoLongMax)
	latitude = (a.lat.min + a.lat.max) / 2
	latitude = min(max(latitude, geoLatMin), geoLatMax)
	return longitude, latitude
}

// geoScoreBits converts a score to the unsigned 64-bit integer C's
// (uint64_t) cast yields on x86-64, including for the scores out of range
// that a plain ZADD can store (negative, huge, infinite).
func geoScoreBits(s float64) uint64 {
	const two63 = 9223372036854775808.0
	if s >= two63 {
		if v := s - two63; v < two63 {
			return uint64(int64(v)) ^ 1<<63
		}
		return 0
	}
	if s > -two63 {
		return uint64(int64(s))
	}
	return 1 << 63 // the "integer indefinite" of an unrepresentable value
}

// geoDecodeScore returns the position a score stands for, as Valkey's
// decodeGeohash: the centre of its 52-bit cell, clamped to the limits.
func geoDecodeScore(score float64) (longitude, latitude float64) {
	long, lat := geoWGS84()
	a, _ := geohashDecode(long, lat, geoBits{bits: geoScoreBits(score), step: geoStepMax})
	return a.center()
}

// geoEncodeScore returns the score of a valid position.
func geoEncodeScore(longitude, latitude float64) float64 {
	h, _ := geohashEncodeWGS84(longitude, latitude, geoStepMax)
	return float64(geohashAlign52Bits(h))
}

// geohashAlign52Bits shifts a hash to the 52-bit score scale.
func geohashAlign52Bits(h geoBits) uint64 { return h.bits << (52 - uint(h.step)*2) }

// geohashMoveX moves a cell east (d > 0) or west (d < 0), wrapping.
func geohashMoveX(h *geoBits, d int) {
	if d == 0 {
		return
	}
	x := h.bits & 0xaaaaaaaaaaaaaaaa
	y := h.bits & 0x5555555555555555
	zz := uint64(0x5555555555555555) >> (64 - uint(h.step)*2)
	if d > 0 {
		x += zz + 1
	} else {
		x |= zz
		x -= zz + 1
	}
	x &= 0xaaaaaaaaaaaaaaaa >> (64 - uint(h.step)*2)
	h.bits = x | y
}

// geohashMoveY moves a cell north (d > 0) or south (d < 0), wrapping.
func geohashMoveY(h *geoBits, d int) {
	if d == 0 {
		return
	}
	x := h.bits & 0xaaaaaaaaaaaaaaaa
	y := h.bits & 0x5555555555555555
	zz := uint64(0xaaaaaaaaaaaaaaaa) >> (64 - uint(h.step)*2)
	if d > 0 {
		y += zz + 1
	} else {
		y |= zz
		y -= zz + 1
	}
	y &= 0x5555555555555555 >> (64 - uint(h.step)*2)
	h.bits = x | y
}

// geoNeighbors are the eight cells around a cell.
type geoNeighbors struct {
	north, east, west, south, northEast, southEast, northWest, southWest geoBits
}

func geohashNeighbors(h geoBits) geoNeighbors {
	move := func(dx, dy int) geoBits {
		n := h
		geohashMoveX(&n, dx)
		geohashMoveY(&n, dy)
		return n
	}
	return geoNeighbors{
		east: move(1, 0), west: move(-1, 0), south: move(0, -1), north: move(0, 1),
		northWest: move(-1, 1), northEast: move(1, 1), southEast: move(1, -1), southWest: move(-1, -1),
	}
}

// Search shapes.
const (
	geoCircle = 1
	geoRect   = 2
)

// geoShape is a search area: a circle of radius or a width x height box
// (both in the unit whose size in meters is conversion) around xy
// (longitude, latitude); bounds is filled in by geohashBoundingBox.
type geoShape struct {
	kind                  int
	xy                    [2]float64
	conversion            float64
	bounds                [4]float64 // min long, min lat, max long, max lat
	radius, width, height float64
}

func degRad(ang float64) float64 { return ang * geoDR }
func radDeg(ang float64) float64 { return ang / geoDR }

// geohashEstimateSteps is the cell precision whose cells are about as
// large as a search of radius meters at latitude lat needs.
func geohashEstimateSteps(rangeMeters, lat float64) uint8 {
	if rangeMeters == 0 {
		return 26
	}
	step := 1
	// Doubling from the smallest positive double reaches the bound in
	// about 1100 rounds.
	for rangeMeters < geoMercatorMax {
		rangeMeters *= 2
		step++
	}
	step -= 2
	if lat > 66 || lat < -66 {
		step--
		if lat > 80 || lat < -80 {
			step--
		}
	}
	return uint8(min(max(step, 1), 26))
}

// geohashBoundingBox sets the shape's bounds: the longitudes and
// latitudes the search can reach.
func geohashBoundingBox(s *geoShape) {
	longitude, latitude := s.xy[0], s.xy[1]
	var height, width float64
	if s.kind == geoCircle {
		height = s.conversion * s.radius
		width = s.conversion * s.radius
	} else {
		height = s.conversion * (s.height / 2)
		width = s.conversion * (s.width / 2)
	}
	latDelta := radDeg(height / geoEarthRadius)
	longDeltaTop := radDeg(width / geoEarthRadius / geoCos(degRad(latitude+latDelta)))
	longDeltaBottom := radDeg(width / geoEarthRadius / geoCos(degRad(latitude-latDelta)))
	if latitude < 0 {
		s.bounds[0] = longitude - longDeltaBottom
		s.bounds[2] = longitude + longDeltaBottom
	} else {
		s.bounds[0] = longitude - longDeltaTop
		s.bounds[2] = longitude + longDeltaTop
	}
	s.bounds[1] = latitude - latDelta
	s.bounds[3] = latitude + latDelta
}

// geoSearchArea is the centre cell of a search and its neighbours (those
// excluded zeroed).
type geoSearchArea struct {
	hash      geoBits
	area      geoArea
	neighbors geoNeighbors
}

// geohashAreasByShape computes the cells (centre and up to eight
// neighbours) that cover the shape, and the shape's bounds.
func geohashAreasByShape(s *geoShape) geoSearchArea {
	geohashBoundingBox(s)
	minLon, minLat, maxLon, maxLat := s.bounds[0], s.bounds[1], s.bounds[2], s.bounds[3]
	longitude, latitude := s.xy[0], s.xy[1]
	var radiusMeters float64
	if s.kind == geoCircle {
		radiusMeters = s.radius
	} else {
		hw, hh := s.width/2, s.height/2
		radiusMeters = math.Sqrt(float64(hw*hw) + float64(hh*hh))
	}
	radiusMeters *= s.conversion

	steps := geohashEstimateSteps(radiusMeters, latitude)
	longR, latR := geoWGS84()
	hash, _ := geohashEncode(longR, latR, longitude, latitude, steps)
	neighbors := geohashNeighbors(hash)
	area, _ := geohashDecode(longR, latR, hash)

	// Near the edge of its cell the search may reach past the neighbours:
	// then use cells twice as large.
	decrease := false
	if north, _ := geohashDecode(longR, latR, neighbors.north); north.lat.max < maxLat {
		decrease = true
	}
	if south, _ := geohashDecode(longR, latR, neighbors.south); south.lat.min > minLat {
		decrease = true
	}
	if east, _ := geohashDecode(longR, latR, neighbors.east); east.long.max < maxLon {
		decrease = true
	}
	if west, _ := geohashDecode(longR, latR, neighbors.west); west.long.min > minLon {
		decrease = true
	}
	if steps > 1 && decrease {
		steps--
		hash, _ = geohashEncode(longR, latR, longitude, latitude, steps)
		neighbors = geohashNeighbors(hash)
		area, _ = geohashDecode(longR, latR, hash)
	}

	// Exclude the neighbours the search cannot reach.
	if steps >= 2 {
		if area.lat.min < minLat {
			neighbors.south, neighbors.southWest, neighbors.southEast = geoBits{}, geoBits{}, geoBits{}
		}
		if area.lat.max > maxLat {
			neighbors.north, neighbors.northEast, neighbors.northWest = geoBits{}, geoBits{}, geoBits{}
		}
		if area.long.min < minLon {
			neighbors.west, neighbors.southWest, neighbors.northWest = geoBits{}, geoBits{}, geoBits{}
		}
		if area.long.max > maxLon {
			neighbors.east, neighbors.southEast, neighbors.northEast = geoBits{}, geoBits{}, geoBits{}
		}
	}
	return geoSearchArea{hash: hash, area: area, neighbors: neighbors}
}

// geoLatDistance is the distance in meters between two latitudes on one
// meridian.
func geoLatDistance(lat1d, lat2d float64) float64 {
	return geoEarthRadius * math.Abs(degRad(lat2d)-degRad(lat1d))
}

// geoDistance is the haversine great circle distance in meters.
func geoDistance(lon1d, lat1d, lon2d, lat2d float64) float64 {
	lon1r := degRad(lon1d)
	lon2r := degRad(lon2d)
	v := geoSin((lon2r - lon1r) / 2)
	if v == 0 {
		return geoLatDistance(lat1d, lat2d)
	}
	lat1r := degRad(lat1d)
	lat2r := degRad(lat2d)
	u := geoSin((lat2r - lat1r) / 2)
	a := float64(u*u) + float64(float64(float64(geoCos(lat1r)*geoCos(lat2r))*v)*v)
	return 2.0 * geoEarthRadius * geoAsin(math.Sqrt(a))
}

// geoBeyond reports whether the distance between two positions is
// certainly greater than limit meters, judged with Go's math functions (a
// few ulps off) where the haversine is well conditioned, about ten times
// faster than geoDistance. false means: compute the distance exactly.
func geoBeyond(lon1d, lat1d, lon2d, lat2d, limit float64) bool {
	lon1r, lon2r := degRad(lon1d), degRad(lon2d)
	lat1r, lat2r := degRad(lat1d), degRad(lat2d)
	v := math.Sin((lon2r - lon1r) / 2)
	u := math.Sin((lat2r - lat1r) / 2)
	a := u*u + math.Cos(lat1r)*math.Cos(lat2r)*v*v
	if !(a < 0.9) {
		return false // near the antipode asin amplifies the error
	}
	return 2*geoEarthRadius*math.Asin(math.Sqrt(a)) > limit*(1+1e-9)+1e-6
}

// within reports whether the position xy is inside the shape, and its
// distance in meters from the shape's centre. Positions clearly outside
// are rejected without the exact (slower) distance.
func (s *geoShape) within(xy [2]float64) (dist float64, ok bool) {
	if s.kind == geoCircle {
		radius := s.radius * s.conversion
		if geoBeyond(s.xy[0], s.xy[1], xy[0], xy[1], radius) {
			return 0, false
		}
		dist = geoDistance(s.xy[0], s.xy[1], xy[0], xy[1])
		return dist, !(dist > radius)
	}
	width, height := s.width*s.conversion, s.height*s.conversion
	if geoLatDistance(xy[1], s.xy[1]) > height/2 {
		return 0, false
	}
	if geoBeyond(xy[0], xy[1], s.xy[0], xy[1], width/2) || geoDistance(xy[0], xy[1], s.xy[0], xy[1]) > width/2 {
		return 0, false
	}
	return geoDistance(s.xy[0], s.xy[1], xy[0], xy[1]), true
}

// geoAlphabet is the standard geohash base-32 alphabet.
const geoAlphabet = "0123456789bcdefghjkmnpqrstuvwxyz"

// geohashString returns the standard 11-character geohash of a score: its
// position re-encoded over latitudes -90..90, the 11th character always
// '0' (a score has 52 bits, not 55).
func geohashString(dst []byte, score float64) []byte {
	longitude, latitude := geoDecodeScore(score)
	h, _ := geohashEncode(geoRange{-180, 180}, geoRange{-90, 90}, longitude, latitude, 26)
	for i := 0; i < 10; i++ {
		dst = append(dst, geoAlphabet[(h.bits>>(52-(uint(i)+1)*5))&0x1f])
	}
	return append(dst, '0')
}
