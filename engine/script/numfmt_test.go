package script

import (
	"encoding/json"
	"math"
	"os"
	"testing"
)

// TestCFormat checks string.format against C's printf, for vectors
// recorded with CPython's % operator (which formats as printf does):
// testdata/cformat.json holds [format, value, expected] triples. Where
// CPython departs from C (zero-padded infinities, '#' with o, x and X,
// negative unsigned conversions, "%.0d" of 0) the vectors are left out;
// golden cases recorded from Valkey cover them.
func TestCFormat(t *testing.T) {
	data, err := os.ReadFile("testdata/cformat.json")
	if err != nil {
		t.Fatal(err)
	}
	var vectors [][3]string
	if err := json.Unmarshal(data, &vectors); err != nil {
		t.Fatal(err)
	}
	c := NewCache(Options{})
	s, _ := c.Put([]byte("return string.format(ARGV[1], tonumber(ARGV[2]))"))
	f := newFake()
	for _, vec := range vectors {
		v := c.Run(s, RunOptions{Args: bytesOf(vec[:2])}, f)
		if v.Kind != KindBulk || v.Str != vec[2] {
			t.Errorf("string.format(%q, %s) = %+v, want %q", vec[0], vec[1], v, vec[2])
		}
	}
}

func TestLuaNumberString(t *testing.T) {
	for f, want := range map[float64]string{
		0: "0", math.Copysign(0, -1): "-0", 1e14: "1e+14", 99999999999999: "99999999999999",
		1e15: "1e+15", 0.1: "0.1", 1.0 / 3: "0.33333333333333", math.Inf(-1): "-inf",
		math.NaN(): "nan", -math.NaN(): "-nan", 2e-310: "2e-310", -123.5: "-123.5",
	} {
		if got := luaNumberString(f); got != want {
			t.Errorf("%v: %q, want %q", f, got, want)
		}
	}
}

func TestArgNumber(t *testing.T) {
	if got := string(appendArgNumber(nil, math.Copysign(0, -1))); got != "0" {
		t.Errorf("-0: %q", got)
	}
	for f, want := range map[float64]string{
		3: "3", 1.5: "1.5", 1e20: "1e+20", 1.0 / 3: "0.3333333333333333",
		math.Inf(1): "inf", math.Inf(-1): "-inf", math.NaN(): "nan", -math.NaN(): "-nan",
		1 << 62: "4611686018427387904", 1 << 63: "9223372036854776000", 123456789012345678: "123456789012345680",
	} {
		if got := string(appendArgNumber(nil, f)); got != want {
			t.Errorf("%v: %q, want %q", f, got, want)
		}
	}
}

func TestToInteger(t *testing.T) {
	for f, want := range map[float64]int64{
		1.9: 1, -1.9: -1, 1e300: math.MinInt64, -1e300: math.MinInt64, math.NaN(): math.MinInt64,
		9223372036854775807: math.MinInt64, -9223372036854775808: math.MinInt64,
	} {
		if got := toInteger(f); got != want {
			t.Errorf("%v: %d", f, got)
		}
	}
	if toCInt(math.Pow(2, 32)+2) != 2 || toCInt(math.Pow(2, 45)) != 0 || toCInt(-1) != -1 {
		t.Error("toCInt")
	}
}

func TestStr2Number(t *testing.T) {
	for s, want := range map[string]float64{
		"10": 10, " 10 ": 10, "0x10": 16, "0X1f": 31, "-0x10": -16, "1e5": 1e5, ".5": 0.5, "5.": 5,
		"0x1p4": 16, "0x.8": 0.5, "1e+2": 100, "\t5\n": 5, "inf": math.Inf(1), "-Infinity": math.Inf(-1),
		"1e500": math.Inf(1), "5\x00junk": 5,
	} {
		if got, ok := str2number(s); !ok || got != want {
			t.Errorf("%q: %v %v", s, got, ok)
		}
	}
	for _, s := range []string{"", " ", "x", "5x", "0x", "1e", "1e+", "--1", "0x1g", "1 2", "nan(", "."} {
		if got, ok := str2number(s); ok && !(s == "nan(" && math.IsNaN(got)) {
			t.Errorf("%q: accepted %v", s, got)
		}
	}
	if f, ok := str2number("nan"); !ok || !math.IsNaN(f) {
		t.Error("nan")
	}
	if u, n := strtoul(" -ff", 16); n != 4 || u != math.MaxUint64-254 {
		t.Error("strtoul", u, n)
	}
	if u, n := strtoul("ffffffffffffffffff", 16); n != 18 || u != math.MaxUint64 {
		t.Error("strtoul overflow", u, n)
	}
}
