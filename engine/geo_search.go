package engine

import "slices"

// GEORADIUS, GEORADIUSBYMEMBER, their _RO forms, GEOSEARCH and
// GEOSEARCHSTORE, run as Valkey's georadiusGeneric: the search visits the
// score ranges of at most nine geohash cells around the centre (each found
// in O(log n)), keeps the members inside the shape, then sorts, replies or
// stores.

// geoSearchKind says which command runs georadiusGeneric.
type geoSearchKind int

const (
	geoFromCoords     geoSearchKind = 1 << iota // GEORADIUS[_RO]: centre as longitude latitude
	geoFromMember                               // GEORADIUSBYMEMBER[_RO]: centre at a member
	geoNoStore                                  // _RO: no STORE or STOREDIST
	geoSearchCmd                                // GEOSEARCH syntax
	geoSearchStoreCmd                           // GEOSEARCHSTORE: destination at argument 1
)

func cmdGeoRadius(c *Ctx)         { georadiusGeneric(c, 1, geoFromCoords) }
func cmdGeoRadiusByMember(c *Ctx) { georadiusGeneric(c, 1, geoFromMember) }
func cmdGeoRadiusRO(c *Ctx)       { georadiusGeneric(c, 1, geoFromCoords|geoNoStore) }
func cmdGeoRadiusByMemberRO(c *Ctx) {
	georadiusGeneric(c, 1, geoFromMember|geoNoStore)
}
func cmdGeoSearch(c *Ctx)      { georadiusGeneric(c, 1, geoSearchCmd) }
func cmdGeoSearchStore(c *Ctx) { georadiusGeneric(c, 2, geoSearchCmd|geoSearchStoreCmd) }

// Result orders.
const (
	geoSortNone = iota
	geoSortAsc
	geoSortDesc
)

// geoPoint is a member found by a search.
type geoPoint struct {
	xy     [2]float64
	dist   float64
	score  float64
	member string
}

// geoQuery is a parsed search.
type geoQuery struct {
	shape                         geoShape
	withDist, withHash, withCoord bool
	any                           bool
	sort                          int
	count                         int64 // 0: no limit
	store                         []byte
	storeDist                     bool
}

// parseDistance parses "radius unit" as extractDistanceOrReply.
func (c *Ctx) parseDistance(s *geoShape, radius, unit []byte) bool {
	r, ok := parseScore(radius)
	if !ok {
		c.Error(ErrGeoRadiusNumeric)
		return false
	}
	if r < 0 {
		c.Error(ErrGeoRadiusNegative)
		return false
	}
	s.radius = r
	s.conversion, ok = c.geoUnit(unit)
	return ok
}

// parseBox parses "width height unit" as extractBoxOrReply.
func (c *Ctx) parseBox(s *geoShape, width, height, unit []byte) bool {
	w, ok := parseScore(width)
	if !ok {
		c.Error(ErrGeoWidthNumeric)
		return false
	}
	h, ok := parseScore(height)
	if !ok {
		c.Error(ErrGeoHeightNumeric)
		return false
	}
	if h < 0 || w < 0 {
		c.Error(ErrGeoBoxNegative)
		return false
	}
	s.width, s.height = w, h
	s.conversion, ok = c.geoUnit(unit)
	return ok
}

// georadiusGeneric runs every search command; src is the source key's
// argument index.
func georadiusGeneric(c *Ctx, src int, kind geoSearchKind) {
	args := c.Args
	z, ok := c.zsetRead(args[src])
	if !ok {
		return
	}
	var q geoQuery
	var base int
	switch {
	case kind&geoFromCoords != 0:
		base = 6
		q.shape.kind = geoCircle
		if q.shape.xy, ok = c.geoLonLat(args[2], args[3]); !ok {
			return
		}
		if !c.parseDistance(&q.shape, args[4], args[5]) {
			return
		}
	case kind&geoFromMember != 0 && z == nil:
		// Parse the options all the same, to know how to reply.
		base = 5
	case kind&geoFromMember != 0:
		base = 5
		q.shape.kind = geoCircle
		s, found := z.Score(bstr(args[2]))
		if !found {
			c.Error(ErrGeoMember)
			return
		}
		q.shape.xy[0], q.shape.xy[1] = geoDecodeScore(s)
		if !c.parseDistance(&q.shape, args[3], args[4]) {
			return
		}
	default:
		base = 2
		if kind&geoSearchStoreCmd != 0 {
			base = 3
			q.store = args[1]
		}
	}
	if !c.parseGeoOptions(&q, z, kind, base) {
		return
	}
	if z == nil {
		if q.store != nil {
			if c.Delete(q.store) {
				c.Modified(q.store)
				c.Notify(NotifyGeneric, "del", q.store)
			}
			c.R.Int(0)
		} else {
			c.R.Array(0)
		}
		return
	}
	// COUNT returns the nearest ones, unless ANY asks for any.
	if q.count != 0 && q.sort == geoSortNone && !q.any {
		q.sort = geoSortAsc
	}
	area := geohashAreasByShape(&q.shape)
	limit := 0
	if q.any {
		limit = int(min(q.count, int64(z.Len())))
	}
	points, _ := geoMembersOfAllNeighbors(z, &area, &q.shape, limit)
	if len(points) == 0 && q.store == nil {
		c.R.Array(0)
		return
	}
	returned := len(points)
	if q.count != 0 && int64(returned) > q.count {
		returned = int(q.count)
	}
	if q.sort != geoSortNone {
		cmp := geoCmpAsc
		if q.sort == geoSortDesc {
			cmp = geoCmpDesc
		}
		if returned == len(points) {
			// glibc's qsort is a merge sort: stable.
			slices.SortStableFunc(points, cmp)
		} else {
			geoPartialSort(points, returned, cmp)
		}
	}
	points = points[:returned]
	if q.store != nil {
		c.geoStore(&q, kind, points)
		return
	}
	c.geoReply(&q, points)
}

// parseGeoOptions parses the optional arguments from base on, replying
// the error itself.
func (c *Ctx) parseGeoOptions(q *geoQuery, z *ZSet, kind geoSearchKind, base int) bool {
	args := c.Args
	search := kind&geoSearchCmd != 0
	radiusStore := kind&(geoNoStore|geoSearchCmd) == 0
	var fromMember, fromLoc, byRadius, byBox bool
	for i := base; i < len(args); i++ {
		left := len(args) - i - 1
		a := args[i]
		switch {
		case optIs(a, "withdist"):
			q.withDist = true
		case optIs(a, "withhash"):
			q.withHash = true
		case optIs(a, "withcoord"):
			q.withCoord = true
		case optIs(a, "any"):
			q.any = true
		case optIs(a, "asc"):
			q.sort = geoSortAsc
		case optIs(a, "desc"):
			q.sort = geoSortDesc
		case optIs(a, "count") && left >= 1:
			n, ok := c.intArg(args[i+1])
			if !ok {
				return false
			}
			if n <= 0 {
				c.Error(ErrGeoCount)
				return false
			}
			q.count = n
			i++
		case optIs(a, "store") && left >= 1 && radiusStore:
			q.store, q.storeDist = args[i+1], false
			i++
		case optIs(a, "storedist") && left >= 1 && radiusStore:
			q.store, q.storeDist = args[i+1], true
			i++
		case optIs(a, "storedist") && kind&geoSearchStoreCmd != 0:
			q.storeDist = true
		case optIs(a, "frommember") && left >= 1 && search && !fromLoc:
			// Without a source, finish parsing and reply an empty result.
			if z != nil {
				s, found := z.Score(bstr(args[i+1]))
				if !found {
					c.Error(ErrGeoMember)
					return false
				}
				q.shape.xy[0], q.shape.xy[1] = geoDecodeScore(s)
			}
			fromMember = true
			i++
		case optIs(a, "fromlonlat") && left >= 2 && search && !fromMember:
			xy, ok := c.geoLonLat(args[i+1], args[i+2])
			if !ok {
				return false
			}
			q.shape.xy = xy
			fromLoc = true
			i += 2
		case optIs(a, "byradius") && left >= 2 && search && !byBox:
			if !c.parseDistance(&q.shape, args[i+1], args[i+2]) {
				return false
			}
			q.shape.kind = geoCircle
			byRadius = true
			i += 2
		case optIs(a, "bybox") && left >= 3 && search && !byRadius:
			if !c.parseBox(&q.shape, args[i+1], args[i+2], args[i+3]) {
				return false
			}
			q.shape.kind = geoRect
			byBox = true
			i += 3
		default:
			c.Error(ErrSyntax)
			return false
		}
	}
	// The checks Valkey makes after parsing, in its order.
	switch {
	case q.store != nil && (q.withDist || q.withHash || q.withCoord):
		if kind&geoSearchStoreCmd != 0 {
			c.Error(ErrGeoStoreSearch)
		} else {
			c.Error(ErrGeoStoreRadius)
		}
		return false
	case search && !fromMember && !fromLoc:
		c.Error(ErrGeoFrom(args[0]))
		return false
	case search && !byRadius && !byBox:
		c.Error(ErrGeoBy(args[0]))
		return false
	case q.any && q.count == 0:
		c.Error(ErrGeoAnyCount)
		return false
	}
	return true
}

// geoMembersOfAllNeighbors collects the members inside the shape from the
// centre cell and its neighbours, in Valkey's order (centre, N, S, E, W,
// NE, NW, SE, SW), skipping excluded cells and a cell equal to the one
// searched just before it; with limit > 0 it stops once limit members are
// found (COUNT ... ANY). visited counts the members looked at.
func geoMembersOfAllNeighbors(z *ZSet, a *geoSearchArea, s *geoShape, limit int) (points []geoPoint, visited int) {
	n := &a.neighbors
	cells := [9]geoBits{a.hash, n.north, n.south, n.east, n.west, n.northEast, n.northWest, n.southEast, n.southWest}
	last := 0
	for i, h := range cells {
		if h.isZero() {
			continue
		}
		// Valkey compares with the previous cell only once one other
		// than the centre has been searched.
		if last != 0 && h == cells[last] {
			continue
		}
		if len(points) > 0 && limit > 0 && len(points) >= limit {
			break
		}
		var n int
		points, n = geoMembersOfCell(z, h, s, points, limit)
		visited += n
		last = i
	}
	return points, visited
}

// geoMembersOfCell appends the members inside the shape whose scores fall
// in the cell's range [min, max), found in O(log n); visited counts the
// members looked at.
func geoMembersOfCell(z *ZSet, h geoBits, s *geoShape, points []geoPoint, limit int) (_ []geoPoint, visited int) {
	lo := geohashAlign52Bits(h)
	h.bits++
	hi := geohashAlign52Bits(h)
	r := scoreRange{min: float64(lo), max: float64(hi), maxex: true}
	for x := z.firstInScore(&r); x.valid() && r.lteMax(x.score); x.next() {
		visited++
		var xy [2]float64
		xy[0], xy[1] = geoDecodeScore(x.score)
		if dist, in := s.within(xy); in {
			points = append(points, geoPoint{xy: xy, dist: dist, score: x.score, member: x.member})
		}
		if len(points) > 0 && limit > 0 && len(points) >= limit {
			break
		}
	}
	return points, visited
}

// geoCmpAsc orders points by distance (Valkey's sort_gp_asc).
func geoCmpAsc(a, b geoPoint) int {
	switch {
	case a.dist > b.dist:
		return 1
	case a.dist == b.dist:
		return 0
	}
	return -1
}

func geoCmpDesc(a, b geoPoint) int { return -geoCmpAsc(a, b) }

// geoReply writes the found points: members, or per member an array with
// the distance, the hash and the coordinates asked for.
func (c *Ctx) geoReply(q *geoQuery, points []geoPoint) {
	opts := 0
	for _, on := range []bool{q.withDist, q.withHash, q.withCoord} {
		if on {
			opts++
		}
	}
	c.R.Array(len(points))
	var buf [32]byte
	for i := range points {
		p := &points[i]
		if opts > 0 {
			c.R.Array(opts + 1)
		}
		c.R.BulkString(p.member)
		if q.withDist {
			c.R.Bulk(appendDistance(buf[:0], p.dist/q.shape.conversion))
		}
		if q.withHash {
			c.R.Int(int64(p.score))
		}
		if q.withCoord {
			c.R.Array(2)
			c.geoReplyCoord(p.xy[0])
			c.geoReplyCoord(p.xy[1])
		}
	}
}

// geoStore writes the found points to the destination as a sorted set
// scored by geohash, or by distance with STOREDIST; no points delete it.
func (c *Ctx) geoStore(q *geoQuery, kind geoSearchKind, points []geoPoint) {
	dst := q.store
	if len(points) == 0 {
		if c.Delete(dst) {
			c.Modified(dst)
			c.Notify(NotifyGeneric, "del", dst)
		}
		c.R.Int(0)
		return
	}
	maxLen := 0
	for i := range points {
		maxLen = max(maxLen, len(points[i].member))
	}
	z := newZSetFor(c.Node, len(points), maxLen)
	for i := range points {
		p := &points[i]
		score := p.score
		if q.storeDist {
			score = p.dist / q.shape.conversion
		}
		if _, dup := z.Score(p.member); !dup {
			z.insert(p.member, score)
		}
	}
	c.SetValue(dst, z, false) // counts one change
	c.Modified(dst)
	event := "georadiusstore"
	if kind&geoSearchCmd != 0 {
		event = "geosearchstore"
	}
	c.Notify(NotifyZSet, event, dst)
	c.Dirty(int64(len(points)) - 1)
	c.R.Int(int64(len(points)))
}
