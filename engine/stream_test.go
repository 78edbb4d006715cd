package engine

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

func (k *kt) stream(key string) *Stream {
	k.t.Helper()
	e := k.n.Default().DB(0).find(key, k.nowMs())
	if e == nil {
		k.t.Fatalf("no key %q", key)
	}
	s, ok := e.Val.val().(*Stream)
	if !ok {
		k.t.Fatalf("%q is not a stream", key)
	}
	return s
}

// groupInfo returns entries-read and lag of the group at index i as
// XINFO GROUPS prints them ("" for a null).
func (k *kt) groupInfo(key string, i int) (entriesRead, lag string) {
	k.t.Helper()
	s := k.stream(key)
	g := s.groups.list[i]
	if g.entriesRead != invalidEntriesRead {
		entriesRead = i64s(g.entriesRead)
	}
	if l, ok := s.lag(g); ok {
		lag = i64s(l)
	}
	return entriesRead, lag
}

func (k *kt) setConfig(name, value string) {
	k.t.Helper()
	if e := k.n.Config.Set([]SetRequest{{Name: name, Value: value}}, true); e != "" {
		k.t.Fatalf("CONFIG SET %s %s: %s", name, value, e)
	}
}

func i64s(n int64) string { return string(appendInt(nil, n)) }

func entryReply(id string, kv ...string) string {
	var b strings.Builder
	b.WriteString("*2\r\n" + bulk(id) + "*" + i64s(int64(len(kv))) + "\r\n")
	for _, s := range kv {
		b.WriteString(bulk(s))
	}
	return b.String()
}

func TestIDTreeAgainstMap(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var tr idTree[int]
	ref := map[streamID]int{}
	sorted := func() []streamID {
		ks := make([]streamID, 0, len(ref))
		for k := range ref {
			ks = append(ks, k)
		}
		slices.SortFunc(ks, func(a, b streamID) int { return a.cmp(b) })
		return ks
	}
	for i := 0; i < 20000; i++ {
		k := streamID{uint64(r.IntN(50)), uint64(r.IntN(100))}
		switch op := r.IntN(10); {
		case op < 5:
			_, had := ref[k]
			if tr.Set(k, i) == had {
				t.Fatalf("Set(%v) new=%v, had=%v", k, !had, had)
			}
			ref[k] = i
		case op < 9:
			v, ok := tr.Delete(k)
			rv, rok := ref[k]
			if ok != rok || v != rv {
				t.Fatalf("Delete(%v) = %v %v, want %v %v", k, v, ok, rv, rok)
			}
			delete(ref, k)
		default:
			v, ok := tr.Get(k)
			rv, rok := ref[k]
			if ok != rok || v != rv {
				t.Fatalf("Get(%v) = %v %v, want %v %v", k, v, ok, rv, rok)
			}
		}
		if tr.Len() != len(ref) {
			t.Fatalf("Len %d, want %d", tr.Len(), len(ref))
		}
		if i%997 == 0 {
			ks := sorted()
			var got []streamID
			tr.Ascend(streamID{}, func(k streamID, _ int) bool { got = append(got, k); return true })
			if !slices.Equal(got, ks) {
				t.Fatalf("ascend mismatch at %d", i)
			}
			pivot := streamID{uint64(r.IntN(50)), uint64(r.IntN(100))}
			got = got[:0]
			tr.Descend(pivot, func(k streamID, _ int) bool { got = append(got, k); return true })
			var want []streamID
			for j := len(ks) - 1; j >= 0; j-- {
				if !pivot.less(ks[j]) {
					want = append(want, ks[j])
				}
			}
			if !slices.Equal(got, want) {
				t.Fatalf("descend from %v mismatch", pivot)
			}
			if fk, _, ok := tr.Floor(pivot); ok != (len(want) > 0) || (ok && fk != want[0]) {
				t.Fatalf("Floor(%v) = %v", pivot, fk)
			}
		}
	}
}

func TestParseStreamID(t *testing.T) {
	for _, tc := range []struct {
		in       string
		p        idParse
		want     streamID
		seqGiven bool
		ok       bool
	}{
		{"1-2", idParse{}, streamID{1, 2}, true, true},
		{"5", idParse{}, streamID{5, 0}, true, true},
		{"5", idParse{missingSeq: 9}, streamID{5, 9}, true, true},
		{"-", idParse{}, streamID{}, true, true},
		{"+", idParse{}, maxStreamID, true, true},
		{"-", idParse{strict: true}, streamID{}, false, false},
		{"+", idParse{strict: true}, streamID{}, false, false},
		{"7-*", idParse{allowSeqStar: true}, streamID{7, 0}, false, true},
		{"7-*", idParse{}, streamID{}, false, false},
		{"18446744073709551615-18446744073709551615", idParse{}, maxStreamID, true, true},
		{"18446744073709551616", idParse{}, streamID{}, false, false},
		{"007-01", idParse{}, streamID{7, 1}, true, true}, // strtoull accepts leading zeros
		{" 3", idParse{}, streamID{3, 0}, true, true},
		{"1--01", idParse{}, streamID{1, 1<<64 - 1}, true, true}, // strtoull wraps a minus
		{"1--1", idParse{}, streamID{}, false, false},
		{"-1", idParse{}, streamID{}, false, false},
		{"1-", idParse{}, streamID{}, false, false},
		{"", idParse{}, streamID{}, false, false},
		{"1-2-3", idParse{}, streamID{}, false, false},
		{"1\x00junk", idParse{}, streamID{1, 0}, true, true},
		{strings.Repeat("1", 128), idParse{}, streamID{}, false, false},
	} {
		id, sg, ok := parseStreamID([]byte(tc.in), tc.p)
		if ok != tc.ok || (ok && (id != tc.want || sg != tc.seqGiven)) {
			t.Errorf("parseStreamID(%q) = %v %v %v, want %v %v %v", tc.in, id, sg, ok, tc.want, tc.seqGiven, tc.ok)
		}
	}
}

func TestXAddIDs(t *testing.T) {
	k := newKT(t)
	now := k.nowMs()
	k.is(bulk(i64s(now)+"-0"), "XADD", "s", "*", "f", "v")
	k.is(bulk(i64s(now)+"-1"), "XADD", "s", "*", "f", "v")
	k.advance(5 * time.Millisecond)
	k.is(bulk(i64s(now+5)+"-0"), "XADD", "s", "*", "f", "v")
	k.is(errReply(ErrStreamXAddSmallerID), "XADD", "s", i64s(now+5), "f", "v")
	k.is(bulk(i64s(now+5)+"-1"), "XADD", "s", i64s(now+5)+"-*", "f", "v")
	k.is(bulk(i64s(now+9)+"-0"), "XADD", "s", i64s(now+9)+"-*", "f", "v")
	// A clock going back does not move IDs back.
	k.clock.Set(time.UnixMilli(now - 1000))
	k.is(bulk(i64s(now+9)+"-1"), "XADD", "s", "*", "f", "v")
	k.is(errReply(ErrStreamXAddZeroID), "XADD", "t", "0-0", "f", "v")
	k.is(intReply(0), "EXISTS", "t")
	k.is(errReply(ErrStreamBadID), "XADD", "t", "+", "f", "v")
	k.is(errReply(ErrArity("xadd")), "XADD", "t", "1-1", "f")
	k.is("$-1\r\n", "XADD", "t", "NOMKSTREAM", "1-1", "f", "v")
	k.is(bulk("18446744073709551615-18446744073709551615"), "XADD", "m", "18446744073709551615-18446744073709551615", "f", "v")
	k.is(errReply(ErrStreamExhausted), "XADD", "m", "*", "f", "v")
	k.is("+stream\r\n", "TYPE", "s")
	k.is(bulk("stream"), "OBJECT", "ENCODING", "s")
}

func TestStreamBlocksAndTrim(t *testing.T) {
	k := newKT(t)
	k.setConfig("stream-node-max-entries", "10")
	for i := 1; i <= 25; i++ {
		k.do("XADD", "t", i64s(int64(i))+"-1", "f", "v")
	}
	s := k.stream("t")
	if s.blocks.Len() != 3 {
		t.Fatalf("blocks = %d, want 3", s.blocks.Len())
	}
	// Approximate trimming removes whole blocks only (Valkey's results).
	k.is(intReply(0), "XTRIM", "t", "MAXLEN", "~", "20")
	k.is(intReply(10), "XTRIM", "t", "MAXLEN", "~", "14")
	k.is(intReply(15), "XLEN", "t")
	k.is(intReply(0), "XTRIM", "t", "MAXLEN", "~", "4", "LIMIT", "5")
	k.is(intReply(10), "XTRIM", "t", "MINID", "~", "23")
	k.is(intReply(1), "XTRIM", "t", "MINID", "=", "22")
	k.is(intReply(4), "XLEN", "t")
	k.is("*1\r\n"+entryReply("22-1", "f", "v"), "XRANGE", "t", "-", "+", "COUNT", "1")
}

func TestStreamRanges(t *testing.T) {
	k := newKT(t)
	k.setConfig("stream-node-max-entries", "3")
	for i := 1; i <= 10; i++ {
		k.do("XADD", "r", i64s(int64(i))+"-0", "n", i64s(int64(i)))
	}
	k.is("*2\r\n"+entryReply("4-0", "n", "4")+entryReply("5-0", "n", "5"), "XRANGE", "r", "(3", "5", "COUNT", "2")
	k.is("*2\r\n"+entryReply("10-0", "n", "10")+entryReply("9-0", "n", "9"), "XREVRANGE", "r", "+", "-", "COUNT", "2")
	k.is("*1\r\n"+entryReply("7-0", "n", "7"), "XREVRANGE", "r", "(8-0", "(6")
	k.is(intReply(2), "XDEL", "r", "4-0", "5-0")
	k.is("*2\r\n"+entryReply("3-0", "n", "3")+entryReply("6-0", "n", "6"), "XRANGE", "r", "3", "6")
	k.is("*2\r\n"+entryReply("6-0", "n", "6")+entryReply("3-0", "n", "3"), "XREVRANGE", "r", "6", "3")
	k.is(errReply(ErrStreamStartInterval), "XRANGE", "r", "(18446744073709551615-18446744073709551615", "+")
	k.is(errReply(ErrStreamEndInterval), "XRANGE", "r", "-", "(0-0")
	k.is("*-1\r\n", "XRANGE", "r", "-", "+", "COUNT", "0")
	k.is("*0\r\n", "XRANGE", "nokey", "-", "+")
	// Mixed fields: entries with other fields than the master keep theirs.
	k.do("XADD", "m", "1-0", "a", "1", "b", "2")
	k.do("XADD", "m", "2-0", "c", "3")
	k.do("XADD", "m", "3-0", "a", "4", "b", "5")
	k.is("*3\r\n"+entryReply("1-0", "a", "1", "b", "2")+entryReply("2-0", "c", "3")+entryReply("3-0", "a", "4", "b", "5"), "XRANGE", "m", "-", "+")
}

func TestStreamPELAfterClaims(t *testing.T) {
	k := newKT(t)
	for i := 1; i <= 5; i++ {
		k.do("XADD", "s", i64s(int64(i))+"-0", "f", i64s(int64(i)))
	}
	k.is(okReply(), "XGROUP", "CREATE", "s", "g", "0")
	k.do("XREADGROUP", "GROUP", "g", "alice", "COUNT", "3", "STREAMS", "s", ">")
	k.advance(100 * time.Millisecond)
	k.do("XREADGROUP", "GROUP", "g", "bob", "STREAMS", "s", ">")
	k.advance(50 * time.Millisecond)
	want := "*5\r\n"
	for i, owner := range []string{"alice", "alice", "alice", "bob", "bob"} {
		idle := ":150\r\n"
		if owner == "bob" {
			idle = ":50\r\n"
		}
		want += "*4\r\n" + bulk(i64s(int64(i+1))+"-0") + bulk(owner) + idle + ":1\r\n"
	}
	k.is(want, "XPENDING", "s", "g", "IDLE", "0", "-", "+", "10")
	k.is("*2\r\n*4\r\n"+bulk("1-0")+bulk("alice")+":150\r\n:1\r\n*4\r\n"+bulk("2-0")+bulk("alice")+":150\r\n:1\r\n",
		"XPENDING", "s", "g", "IDLE", "120", "-", "+", "2")
	// XCLAIM with a min-idle only takes the entries idle long enough.
	k.is("*3\r\n"+bulk("1-0")+bulk("2-0")+bulk("3-0"), "XCLAIM", "s", "g", "bob", "120", "1-0", "2-0", "3-0", "4-0", "JUSTID")
	k.is("*4\r\n:5\r\n"+bulk("1-0")+bulk("5-0")+"*1\r\n*2\r\n"+bulk("bob")+bulk("5"), "XPENDING", "s", "g")
	k.is("*0\r\n", "XPENDING", "s", "g", "-", "+", "10", "alice")
	// RETRYCOUNT and IDLE set the delivery data.
	k.is("*1\r\n"+entryReply("1-0", "f", "1"), "XCLAIM", "s", "g", "carol", "0", "1-0", "IDLE", "500", "RETRYCOUNT", "9")
	k.is("*1\r\n*4\r\n"+bulk("1-0")+bulk("carol")+":500\r\n:9\r\n", "XPENDING", "s", "g", "-", "1-0", "10")
	// XAUTOCLAIM: deleted entries leave the PEL and are listed.
	k.is(intReply(1), "XDEL", "s", "2-0")
	k.is("*3\r\n"+bulk("4-0")+"*2\r\n"+bulk("1-0")+bulk("3-0")+"*1\r\n"+bulk("2-0"),
		"XAUTOCLAIM", "s", "g", "dave", "0", "-", "COUNT", "3", "JUSTID")
	k.is("*3\r\n"+bulk("0-0")+"*2\r\n"+entryReply("4-0", "f", "4")+entryReply("5-0", "f", "5")+"*0\r\n",
		"XAUTOCLAIM", "s", "g", "dave", "0", "4-0")
	k.is("*4\r\n:4\r\n"+bulk("1-0")+bulk("5-0")+"*1\r\n*2\r\n"+bulk("dave")+bulk("4"), "XPENDING", "s", "g")
	s := k.stream("s")
	g := s.group([]byte("g"))
	for _, name := range []string{"alice", "bob", "carol", "dave"} {
		sc := g.consumer([]byte(name))
		if sc == nil {
			t.Fatalf("no consumer %s", name)
		}
		want := 0
		if name == "dave" {
			want = 4
		}
		if sc.pel.Len() != want {
			t.Errorf("%s has %d pending, want %d", name, sc.pel.Len(), want)
		}
	}
	k.is(intReply(4), "XGROUP", "DELCONSUMER", "s", "g", "dave")
	k.is("*4\r\n:0\r\n$-1\r\n$-1\r\n*-1\r\n", "XPENDING", "s", "g")
}

func TestStreamLagAndEntriesRead(t *testing.T) {
	k := newKT(t)
	check := func(key string, i int, er, lag string) {
		t.Helper()
		ger, glag := k.groupInfo(key, i)
		if ger != er || glag != lag {
			t.Errorf("group %d: entries-read %q lag %q, want %q %q", i, ger, glag, er, lag)
		}
	}
	// Empty streams.
	k.do("XGROUP", "CREATE", "e", "g1", "0", "MKSTREAM")
	check("e", 0, "", "0")
	k.do("XADD", "e", "1-0", "data", "a")
	k.do("XDEL", "e", "1-0")
	check("e", 0, "", "0")
	// Sanity.
	for i := 1; i <= 5; i++ {
		k.do("XADD", "x", i64s(int64(i))+"-0", "data", "v")
	}
	k.do("XGROUP", "CREATE", "x", "g1", "0")
	check("x", 0, "", "5")
	k.do("XREADGROUP", "GROUP", "g1", "c11", "COUNT", "1", "STREAMS", "x", ">")
	check("x", 0, "1", "4")
	k.do("XREADGROUP", "GROUP", "g1", "c12", "COUNT", "10", "STREAMS", "x", ">")
	check("x", 0, "5", "0")
	k.do("XADD", "x", "6-0", "data", "f")
	check("x", 0, "5", "1")
	// With XDELs.
	for i := 1; i <= 5; i++ {
		k.do("XADD", "y", i64s(int64(i))+"-0", "data", "v")
	}
	k.do("XDEL", "y", "3-0")
	k.do("XGROUP", "CREATE", "y", "g1", "0")
	k.do("XGROUP", "CREATE", "y", "g2", "0")
	check("y", 0, "", "")
	for i := 0; i < 3; i++ {
		k.do("XREADGROUP", "GROUP", "g1", "c11", "COUNT", "1", "STREAMS", "y", ">")
		check("y", 0, "", "")
	}
	k.do("XREADGROUP", "GROUP", "g1", "c11", "COUNT", "1", "STREAMS", "y", ">")
	check("y", 0, "5", "0")
	k.do("XADD", "y", "6-0", "data", "f")
	check("y", 0, "5", "1")
	k.do("XTRIM", "y", "MINID", "=", "3-0")
	check("y", 0, "5", "1")
	check("y", 1, "", "3")
	k.do("XTRIM", "y", "MINID", "=", "5-0")
	check("y", 0, "5", "1")
	check("y", 1, "", "2")
}

func TestStreamCopyIsIndependent(t *testing.T) {
	k := newKT(t)
	k.do("XADD", "a", "1-0", "f", "v")
	k.do("XGROUP", "CREATE", "a", "g", "0")
	k.do("XREADGROUP", "GROUP", "g", "c", "STREAMS", "a", ">")
	k.is(intReply(1), "COPY", "a", "b")
	k.do("XADD", "a", "2-0", "f", "v")
	k.is(intReply(1), "XACK", "a", "g", "1-0")
	k.is(intReply(1), "XLEN", "b")
	k.is("*4\r\n:1\r\n"+bulk("1-0")+bulk("1-0")+"*1\r\n*2\r\n"+bulk("c")+bulk("1"), "XPENDING", "b", "g")
	k.is(intReply(1), "XACK", "b", "g", "1-0")
	if n := k.stream("b").group([]byte("g")).consumer([]byte("c")).pel.Len(); n != 0 {
		t.Fatalf("copy's consumer PEL has %d", n)
	}
}

func TestXReadKeysFollowParser(t *testing.T) {
	args := func(s string) [][]byte {
		var out [][]byte
		for _, f := range strings.Fields(s) {
			out = append(out, []byte(f))
		}
		return out
	}
	for _, tc := range []struct {
		in    string
		group bool
		want  []int
	}{
		{"XREAD STREAMS a b 0 0", false, []int{2, 3}},
		{"XREAD COUNT 1 BLOCK 0 STREAMS a 0", false, []int{6}},
		{"XREAD COUNT STREAMS a 0", false, nil},
		{"XREADGROUP GROUP streams c STREAMS s >", true, []int{5}},
		{"XREADGROUP COUNT 1 GROUP streams c STREAMS s >", true, []int{7}},
		{"XREADGROUP GROUP g c NOACK STREAMS s t > >", true, []int{6, 7}},
		{"XREAD BAD STREAMS a 0", false, nil},
	} {
		if got := xreadCmdKeys(args(tc.in), tc.group); !slices.Equal(got, tc.want) {
			t.Errorf("%s: keys %v, want %v", tc.in, got, tc.want)
		}
	}
}

// raxCountRef counts the nodes of a compressed trie of sorted 16-byte keys
// below a node at depth d, recursively: the reference for raxNodes.
func raxCountRef(keys [][16]byte, d int) int64 {
	if len(keys) == 1 {
		if d < 16 {
			return 2
		}
		return 1
	}
	first, last := &keys[0], &keys[len(keys)-1]
	l := d
	for l < 16 && first[l] == last[l] {
		l++
	}
	var n int64
	if l > d {
		n++
	}
	n++
	for i := 0; i < len(keys); {
		j := i + 1
		for j < len(keys) && keys[j][l] == keys[i][l] {
			j++
		}
		n += raxCountRef(keys[i:j], l+1)
		i = j
	}
	return n
}

func TestRaxNodes(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for round := 0; round < 200; round++ {
		s := newStream()
		var keys [][16]byte
		n := 1 + r.IntN(60)
		ms := uint64(r.IntN(1000))
		for i := 0; i < n; i++ {
			ms += uint64(r.IntN(3000))
			seq := uint64(r.IntN(3))
			if r.IntN(5) == 0 {
				ms += uint64(r.Int64())
			}
			id := streamID{ms, seq}
			if k, _, ok := s.blocks.Max(); ok && !k.less(id) {
				continue
			}
			s.blocks.Set(id, &streamBlock{master: id})
			var b [16]byte
			putBE64(b[:8], id.ms)
			putBE64(b[8:], id.seq)
			keys = append(keys, b)
		}
		if got, want := s.raxNodes(), raxCountRef(keys, 0); got != want {
			t.Fatalf("%d keys: raxNodes %d, want %d", len(keys), got, want)
		}
	}
}

// FuzzParseStreamID checks that any argument parses without panicking and
// that a parsed ID prints back to one that parses to itself.
func FuzzParseStreamID(f *testing.F) {
	for _, s := range []string{"1-2", "-", "+", "5-*", "007", " 1--01", "18446744073709551615-18446744073709551615", "(1", "1\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, p := range []idParse{{}, {strict: true}, {allowSeqStar: true, missingSeq: 7}} {
			id, _, ok := parseStreamID([]byte(s), p)
			if !ok {
				continue
			}
			back, sg, ok := parseStreamID(id.appendTo(nil), idParse{})
			if !ok || back != id || !sg {
				t.Fatalf("%q parsed to %v, which reparses to %v %v", s, id, back, ok)
			}
		}
	})
}
