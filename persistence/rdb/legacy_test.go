package rdb

import (
	"encoding/binary"
	"math"
	"strconv"
	"testing"

	"github.com/flect-kv/flect/engine"
)

// Payload bodies of the encodings Redis 6 and earlier wrote, built by hand
// as those versions lay them out, and read back.

// buildZiplist lays out a ziplist of vals: integers that fit int8 or
// int16 in their encodings, 0 to 12 as immediates, the rest as strings.
func buildZiplist(vals ...string) []byte {
	zl := make([]byte, zlHeaderSize)
	prev, last := 0, zlHeaderSize
	for _, v := range vals {
		var enc []byte
		if n, err := strconv.ParseInt(v, 10, 64); err == nil && strconv.FormatInt(n, 10) == v {
			switch {
			case n >= 0 && n <= 12:
				enc = []byte{0xf1 + byte(n)}
			case n >= math.MinInt8 && n <= math.MaxInt8:
				enc = []byte{0xfe, byte(n)}
			default:
				enc = binary.LittleEndian.AppendUint64([]byte{0xe0}, uint64(n))
			}
		} else if len(v) < 64 {
			enc = append([]byte{byte(len(v))}, v...)
		} else {
			enc = append([]byte{0x40 | byte(len(v)>>8), byte(len(v))}, v...)
		}
		var pl []byte
		if prev < zlBigPrevLen {
			pl = []byte{byte(prev)}
		} else {
			pl = binary.LittleEndian.AppendUint32([]byte{zlBigPrevLen}, uint32(prev))
		}
		last = len(zl)
		zl = append(zl, pl...)
		zl = append(zl, enc...)
		prev = len(pl) + len(enc)
	}
	zl = append(zl, zlEnd)
	binary.LittleEndian.PutUint32(zl, uint32(len(zl)))
	binary.LittleEndian.PutUint32(zl[4:], uint32(last))
	binary.LittleEndian.PutUint16(zl[8:], uint16(len(vals)))
	return zl
}

func TestLegacyEncodings(t *testing.T) {
	n := engine.NewNode(engine.Options{})
	long := string(make([]byte, 300))
	zipmap := []byte{2, 1, 'f', 1, 0, 'v', 2, 'g', 'g', 2, 1, '1', '2', 0, 0xff}
	v1Stream := []byte{TypeStreamListpacks, 1}
	v1Stream = appendString(v1Stream, appendStreamID(nil, engine.StreamID{Ms: 7, Seq: 0}), false)
	lp := newLP(0)
	for _, v := range []string{"1", "0", "1", "f", "0", "2", "0", "0", "v", "4"} {
		lp.add([]byte(v))
	}
	v1Stream = appendString(v1Stream, lp.finish(), false)
	v1Stream = appendLen(appendLen(appendLen(v1Stream, 1), 7), 0) // length, last ID
	v1Stream = appendLen(v1Stream, 1)                             // one group
	v1Stream = appendString(v1Stream, []byte("g"), false)
	v1Stream = appendLen(appendLen(v1Stream, 0), 0)
	v1Stream = appendLen(v1Stream, 0) // no PEL
	v1Stream = appendLen(v1Stream, 1) // one consumer
	v1Stream = appendString(v1Stream, []byte("c"), false)
	v1Stream = appendMs(v1Stream, 1000)
	v1Stream = appendLen(v1Stream, 0)

	oldZSet := appendLen([]byte{TypeZSet}, 3)
	oldZSet = append(appendString(oldZSet, []byte("a"), false), 3, '1', '.', '5')
	oldZSet = append(appendString(oldZSet, []byte("b"), false), 254)
	oldZSet = append(appendString(oldZSet, []byte("c"), false), 255)

	quick1 := appendLen([]byte{TypeListQuicklist}, 2)
	quick1 = appendString(quick1, buildZiplist("a", "1", "-300"), false)
	quick1 = appendString(quick1, buildZiplist(long, "z"), true)

	cases := []struct {
		name  string
		p     []byte
		check func(v any) bool
	}{
		{"list-ziplist", appendString([]byte{TypeListZiplist}, buildZiplist("a", "5", "-100", "100000", long), false),
			func(v any) bool { return listIs(v, "a", "5", "-100", "100000", long) }},
		{"quicklist-v1", quick1, func(v any) bool { return listIs(v, "a", "1", "-300", long, "z") }},
		{"list-plain", appendString(appendString(appendLen([]byte{TypeList}, 2), []byte("x"), false), []byte("7"), false),
			func(v any) bool { return listIs(v, "x", "7") }},
		{"zset-ziplist", appendString([]byte{TypeZSetZiplist}, buildZiplist("a", "1", "b", "2.5"), false),
			func(v any) bool { return zsetIs(v, "a", 1, "b", 2.5) }},
		{"zset-v1", oldZSet, func(v any) bool { return zsetIs(v, "c", math.Inf(-1), "a", 1.5, "b", math.Inf(1)) }},
		{"hash-ziplist", appendString([]byte{TypeHashZiplist}, buildZiplist("f", "v", "n", "12"), false),
			func(v any) bool { return hashIs(v, "f", "v", "n", "12") }},
		{"hash-zipmap", appendString([]byte{TypeHashZipmap}, zipmap, false),
			func(v any) bool { return hashIs(v, "f", "v", "gg", "12") }},
		{"intset-string", appendString([]byte{TypeSetIntset}, appendIntset(nil, []int64{-2, 9}), false),
			func(v any) bool { return setIs(v, "-2", "9") }},
		{"stream-v1", v1Stream, func(v any) bool {
			s, ok := v.(*engine.Stream)
			return ok && s.Len() == 1 && len(s.Groups()) == 1 && s.Groups()[0].Consumers[0].ActiveTime == 1000
		}},
	}
	for _, c := range cases {
		v, used, err := ReadValue(n, c.p)
		if err != nil || used != len(c.p) {
			t.Errorf("%s: %v (used %d of %d)", c.name, err, used, len(c.p))
			continue
		}
		if !c.check(v) {
			t.Errorf("%s: wrong value %#v", c.name, v)
		}
	}
	// Ziplists holding duplicates or an odd count of pair entries.
	for name, p := range map[string][]byte{
		"hash-dup":  appendString([]byte{TypeHashZiplist}, buildZiplist("f", "1", "f", "2"), false),
		"hash-odd":  appendString([]byte{TypeHashZiplist}, buildZiplist("f", "1", "g"), false),
		"zset-dup":  appendString([]byte{TypeZSetZiplist}, buildZiplist("a", "1", "a", "2"), false),
		"zset-nan":  appendString([]byte{TypeZSetZiplist}, buildZiplist("a", "nan"), false),
		"zset-text": appendString([]byte{TypeZSetZiplist}, buildZiplist("a", "x"), false),
		"empty-zl":  appendString([]byte{TypeListZiplist}, buildZiplist(), false),
		"zipmap":    appendString([]byte{TypeHashZipmap}, zipmap[:8], false),
	} {
		if _, _, err := ReadValue(n, p); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
}

func listIs(v any, want ...string) bool {
	l, ok := v.(*engine.List)
	if !ok || l.Len() != len(want) {
		return false
	}
	i := 0
	same := true
	l.EachNode(func(elems [][]byte, _ bool) bool {
		for _, e := range elems {
			same = same && string(e) == want[i]
			i++
		}
		return true
	})
	return same
}

func zsetIs(v any, want ...any) bool {
	z, ok := v.(*engine.ZSet)
	if !ok || z.Len() != len(want)/2 {
		return false
	}
	i := 0
	same := true
	z.Each(false, func(m string, s float64) bool {
		same = same && m == want[i].(string) && s == toF(want[i+1])
		i += 2
		return true
	})
	return same
}

func toF(v any) float64 {
	switch v := v.(type) {
	case int:
		return float64(v)
	case float64:
		return v
	}
	return math.NaN()
}

func hashIs(v any, want ...string) bool {
	h, ok := v.(*engine.Hash)
	if !ok || h.Len() != len(want)/2 {
		return false
	}
	for i := 0; i < len(want); i += 2 {
		if got, ok := h.Get([]byte(want[i])); !ok || got != want[i+1] {
			return false
		}
	}
	return true
}

func setIs(v any, want ...string) bool {
	s, ok := v.(*engine.Set)
	if !ok || s.Len() != len(want) {
		return false
	}
	i := 0
	same := true
	s.Each(func(m []byte) bool {
		same = same && string(m) == want[i]
		i++
		return true
	})
	return same
}
