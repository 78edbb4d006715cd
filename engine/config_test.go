package engine

import (
	"math"
	"strings"
	"sync/atomic"
	"testing"
)

func TestParseMemory(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want uint64
		ok   bool
	}{
		{"0", 0, true}, {"100", 100, true}, {"100b", 100, true}, {"100B", 100, true},
		{"1k", 1000, true}, {"1kb", 1024, true}, {"1KB", 1024, true}, {"2m", 2000000, true},
		{"2mb", 2 << 20, true}, {"3g", 3000000000, true}, {"3gb", 3 << 30, true},
		{"", 0, true}, {"kb", 0, true}, // no digits read as 0, as memtoull does
		{"-1", 0, false}, {"1.5mb", 0, false}, {"1tb", 0, false}, {" 1", 0, false},
		{"+1", 0, false}, {"1 kb", 0, false}, {"abc", 0, false},
		{"99999999999999999999", math.MaxUint64, true}, // strtoull saturates
		{strings.Repeat("1", 128), 0, false},
	} {
		got, ok := ParseMemory(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("ParseMemory(%q) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func setErr(p *Param, v string) string {
	if err := p.Set(v); err != nil {
		return err.Error()
	}
	return ""
}

func TestNumParam(t *testing.T) {
	var v atomic.Int64
	signed := NewNumParam(NumParam{Name: "s", Min: -1, Max: 100, Default: 5}, &v)
	if signed.Get() != "5" {
		t.Fatalf("default %q", signed.Get())
	}
	for _, tc := range []struct{ in, err, get string }{
		{"7", "", "7"},
		{"-1", "", "-1"},
		{"-2", "argument must be between -1 and 100 inclusive", "-1"},
		{"101", "argument must be between -1 and 100 inclusive", "-1"},
		{"1k", "argument couldn't be parsed into an integer", "-1"},
		{"01", "argument couldn't be parsed into an integer", "-1"},
		{"", "argument couldn't be parsed into an integer", "-1"},
	} {
		if got := setErr(signed, tc.in); got != tc.err {
			t.Errorf("set %q: err %q want %q", tc.in, got, tc.err)
		}
		if got := signed.Get(); got != tc.get {
			t.Errorf("after %q: get %q want %q", tc.in, got, tc.get)
		}
	}
	var u atomic.Int64
	unsigned := NewNumParam(NumParam{Name: "u", Min: 1, Max: 1<<32 - 1, Unsigned: true, Default: 10}, &u)
	if got := setErr(unsigned, "-1"); got != "argument must be between 1 and 4294967295 inclusive" {
		t.Errorf("unsigned -1: %q", got)
	}
	var m atomic.Int64
	mem := NewNumParam(NumParam{Name: "m", Min: 0, Max: -1, Unsigned: true, Memory: true}, &m)
	if got := setErr(mem, "1mb"); got != "" || mem.Get() != "1048576" {
		t.Errorf("memory 1mb: %q %q", got, mem.Get())
	}
	if got := setErr(mem, "-5"); got != "argument must be a memory value" {
		t.Errorf("memory -5: %q", got)
	}
	if got := setErr(mem, "18446744073709551615"); got != "" || mem.Get() != "18446744073709551615" {
		t.Errorf("memory max: %q %q", got, mem.Get())
	}
	var sm atomic.Int64
	signedMem := NewNumParam(NumParam{Name: "pm", Min: 1 << 20, Max: math.MaxInt64, Memory: true, Default: 512 << 20}, &sm)
	if got := setErr(signedMem, "10gb"); got != "" || signedMem.Get() != "10737418240" {
		t.Errorf("signed memory: %q %q", got, signedMem.Get())
	}
	if got := setErr(signedMem, "1000"); got != "argument must be between 1048576 and 9223372036854775807 inclusive" {
		t.Errorf("signed memory low: %q", got)
	}
	var pc atomic.Int64
	pct := NewNumParam(NumParam{Name: "p", Min: -100, Max: math.MaxInt64, Memory: true, Percent: true}, &pc)
	if got := setErr(pct, "50%"); got != "" || pct.Get() != "50%" {
		t.Errorf("percent: %q %q", got, pct.Get())
	}
	if got := setErr(pct, "101%"); got != "percentage argument must be less or equal to 100" {
		t.Errorf("percent high: %q", got)
	}
	if got := setErr(pct, "x%"); got != "argument must be a memory or percent value" {
		t.Errorf("percent bad: %q", got)
	}
}

func TestBoolEnumStringParams(t *testing.T) {
	var b atomic.Bool
	var seen []bool
	p := NewBoolParam("b", nil, 0, true, &b, func(v bool) { seen = append(seen, v) })
	if p.Get() != "yes" {
		t.Fatal(p.Get())
	}
	if err := setErr(p, "NO"); err != "" || p.Get() != "no" {
		t.Fatalf("%q %q", err, p.Get())
	}
	if err := setErr(p, "1"); err != "argument must be 'yes' or 'no'" {
		t.Fatalf("%q", err)
	}
	if len(seen) != 1 || seen[0] {
		t.Fatalf("onSet %v", seen)
	}
	var e atomic.Int64
	en := NewEnumParam("e", 0, []EnumValue{{"one", 1}, {"two", 2}}, 1, &e, nil)
	if err := setErr(en, "TWO"); err != "" || en.Get() != "two" {
		t.Fatalf("%q %q", err, en.Get())
	}
	if err := setErr(en, "three"); err != "argument(s) must be one of the following: one, two" {
		t.Fatalf("%q", err)
	}
	var s atomic.Pointer[string]
	sp := NewStringParam("s", nil, 0, "def", &s, nil)
	buf := []byte("abc")
	if err := setErr(sp, string(buf)); err != "" || sp.Get() != "abc" {
		t.Fatal(err)
	}
	if c := ConstParam("k", nil, "v"); c.Get() != "v" || c.Flags&ParamImmutable == 0 {
		t.Fatal("const param")
	}
}

func newTestConfig() (*Config, *atomic.Int64, *atomic.Int64) {
	c := newConfig()
	a, b := new(atomic.Int64), new(atomic.Int64)
	c.Register(NewNumParam(NumParam{Name: "alpha", Aliases: []string{"old-alpha"}, Min: 0, Max: 100, Default: 1}, a))
	c.Register(NewNumParam(NumParam{Name: "beta", Min: 0, Max: 100, Default: 2}, b))
	c.Register(ConstParam("gamma", nil, "g"))
	c.Register(&Param{Name: "secret", Flags: ParamHidden, Get: func() string { return "s" }})
	c.Register(&Param{Name: "guarded", Flags: ParamProtected, Get: func() string { return "x" }, Set: func(string) error { return nil }})
	return c, a, b
}

func TestConfigGet(t *testing.T) {
	c, _, _ := newTestConfig()
	str := func(kvs []ParamValue) string {
		var parts []string
		for _, kv := range kvs {
			parts = append(parts, kv.Name+"="+kv.Value)
		}
		return strings.Join(parts, " ")
	}
	for _, tc := range []struct {
		patterns []string
		want     string
	}{
		{[]string{"alpha"}, "alpha=1"},
		{[]string{"ALPHA"}, "ALPHA=1"},
		{[]string{"old-alpha"}, "old-alpha=1"},
		{[]string{"alpha", "ALPHA", "alpha"}, "alpha=1"},
		{[]string{"*alpha"}, "alpha=1 old-alpha=1"},
		{[]string{"alpha", "*a"}, "alpha=1 beta=2 gamma=g old-alpha=1"},
		{[]string{"*"}, "alpha=1 beta=2 gamma=g guarded=x old-alpha=1"},
		{[]string{"secret"}, "secret=s"},
		{[]string{"secre?"}, ""},
		{[]string{"nosuch", "nosuch*"}, ""},
		{[]string{"[ab]*"}, "alpha=1 beta=2"},
	} {
		if got := str(c.Get(tc.patterns)); got != tc.want {
			t.Errorf("Get(%q) = %q, want %q", tc.patterns, got, tc.want)
		}
	}
}

func TestConfigSetAtomic(t *testing.T) {
	c, a, b := newTestConfig()
	set := func(allow bool, kv ...string) string {
		var reqs []SetRequest
		for i := 0; i < len(kv); i += 2 {
			reqs = append(reqs, SetRequest{kv[i], kv[i+1]})
		}
		return c.Set(reqs, allow)
	}
	if e := set(false, "alpha", "10", "BETA", "20"); e != "" || a.Load() != 10 || b.Load() != 20 {
		t.Fatalf("%q %d %d", e, a.Load(), b.Load())
	}
	// The second value fails: the first is restored.
	if e := set(false, "alpha", "30", "beta", "200"); e != "ERR CONFIG SET failed (possibly related to argument 'beta') - argument must be between 0 and 100 inclusive" {
		t.Fatal(e)
	}
	if a.Load() != 10 || b.Load() != 20 {
		t.Fatalf("not restored: %d %d", a.Load(), b.Load())
	}
	for _, tc := range []struct {
		kv    []string
		allow bool
		want  string
	}{
		{[]string{"nosuch", "1"}, false, "ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'"},
		{[]string{"alpha", "1", "Nosuch", "1"}, false, "ERR Unknown option or number of arguments for CONFIG SET - 'Nosuch'"},
		// An earlier refused parameter wins over a later unknown one.
		{[]string{"gamma", "1", "nosuch", "1"}, false, "ERR CONFIG SET failed (possibly related to argument 'gamma') - can't set immutable config"},
		{[]string{"GAMMA", "1"}, false, "ERR CONFIG SET failed (possibly related to argument 'GAMMA') - can't set immutable config"},
		{[]string{"guarded", "1"}, false, "ERR CONFIG SET failed (possibly related to argument 'guarded') - can't set protected config"},
		{[]string{"guarded", "1"}, true, ""},
		{[]string{"alpha", "1", "ALPHA", "2"}, false, "ERR CONFIG SET failed (possibly related to argument 'ALPHA') - duplicate parameter"},
		// An alias is a parameter of its own, as in Valkey.
		{[]string{"alpha", "3", "old-alpha", "4"}, false, ""},
		{[]string{"OLD-ALPHA", "x"}, false, "ERR CONFIG SET failed (possibly related to argument 'old-alpha') - argument couldn't be parsed into an integer"},
	} {
		if got := set(tc.allow, tc.kv...); got != tc.want {
			t.Errorf("set %q: %q, want %q", tc.kv, got, tc.want)
		}
	}
	if a.Load() != 4 {
		t.Fatalf("alpha %d", a.Load())
	}
}

func TestConfigRegisterDuplicatePanics(t *testing.T) {
	c, _, _ := newTestConfig()
	defer func() {
		if recover() == nil {
			t.Fatal("no panic")
		}
	}()
	c.Register(ConstParam("old-alpha", nil, "x"))
}
