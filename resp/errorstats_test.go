package resp

import (
	"strconv"
	"testing"
)

func TestErrorPrefix(t *testing.T) {
	for _, tc := range []struct{ msg, want string }{
		{"ERR syntax error", "ERR"},
		{"WRONGTYPE Operation against a key", "WRONGTYPE"},
		{"NOAUTH Authentication required.", "NOAUTH"},
		{"NOPROTO unsupported protocol version", "NOPROTO"},
		{"NOSPACEHERE", "ERR"},
		{"ABCDEFGHIJKLMNOPQRSTUVWXYZ01234 x", "ERR"}, // no space within 31 bytes
		{"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123 x", "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123"},
	} {
		if got := errorPrefix(tc.msg); got != tc.want {
			t.Errorf("errorPrefix(%q) = %q, want %q", tc.msg, got, tc.want)
		}
	}
}

func TestErrorStatsLimit(t *testing.T) {
	var e errorStats
	for i := 0; i < errorStatsLimit+10; i++ {
		e.count("E" + strconv.Itoa(i) + " x")
	}
	e.count("ERR x")
	snap := e.snapshot()
	if len(snap) != errorStatsLimit+1 {
		t.Fatalf("%d prefixes", len(snap))
	}
	if e.get(errorStatsOverflow) != 11 || e.total.Load() != errorStatsLimit+11 {
		t.Fatalf("overflow %d total %d", e.get(errorStatsOverflow), e.total.Load())
	}
	for i := 1; i < len(snap); i++ {
		if snap[i-1].prefix >= snap[i].prefix {
			t.Fatal("not sorted")
		}
	}
	e.reset()
	if len(e.snapshot()) != 0 || e.total.Load() != 0 {
		t.Fatal("reset")
	}
}

func TestAppendRepr(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"abc", `"abc"`},
		{"", `""`},
		{"a b", `"a b"`},
		{"q\"\\", `"q\"\\"`},
		{"\n\r\t\a\b", `"\n\r\t\a\b"`},
		{"\x00\x7f\xff", `"\x00\x7f\xff"`},
		{"~", `"~"`},
	} {
		if got := string(appendRepr(nil, []byte(tc.in))); got != tc.want {
			t.Errorf("appendRepr(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestBytesToHuman(t *testing.T) {
	for _, tc := range []struct {
		n    uint64
		want string
	}{
		{0, "0B"}, {1023, "1023B"}, {1024, "1.00K"}, {1536, "1.50K"}, {1 << 20, "1.00M"},
		{5 << 30, "5.00G"}, {3 << 40, "3.00T"}, {2 << 50, "2.00P"}, {1 << 62, "4611686018427387904B"},
	} {
		if got := bytesToHuman(tc.n); got != tc.want {
			t.Errorf("bytesToHuman(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
}

func TestStrtod(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want float64
	}{
		{"1", 1}, {"0.5", 0.5}, {" 2.5", 2.5}, {"1.5abc", 1.5}, {"abc", 0}, {"", 0},
		{"-1", -1}, {"1e3", 1000}, {".25", 0.25},
	} {
		if got := strtod(tc.in); got != tc.want {
			t.Errorf("strtod(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestRedactions(t *testing.T) {
	s := &Server{}
	args := func(a ...string) [][]byte {
		out := make([][]byte, len(a))
		for i, x := range a {
			out[i] = []byte(x)
		}
		return out
	}
	for _, tc := range []struct {
		argv []string
		want []int
	}{
		{[]string{"AUTH", "pw"}, []int{1}},
		{[]string{"auth", "user", "pw"}, []int{1, 2}},
		{[]string{"HELLO", "3", "SETNAME", "auth", "AUTH", "u", "p"}, []int{5, 6}},
		{[]string{"hello", "3", "auth", "u"}, nil},
		{[]string{"GET", "auth"}, nil},
	} {
		got := s.redactions(args(tc.argv...))
		if len(got) != len(tc.want) {
			t.Errorf("%q: %v, want %v", tc.argv, got, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("%q: %v, want %v", tc.argv, got, tc.want)
			}
		}
	}
}
