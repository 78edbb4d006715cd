package script

import (
	"math"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// The math and os libraries. math.random and math.randomseed are
// Valkey's: a 48-bit linear congruential generator (its rand.c, the
// classic drand48 parameters) giving the same sequence on every platform.
// Valkey never reseeds it between scripts: the sequence continues from
// script to script (here: per Cache) until a script calls randomseed.

// rand48 is the drand48 generator: x = (a*x + c) mod 2^48.
type rand48 struct{ x uint64 }

const (
	rand48A    = 0x5DEECE66D
	rand48C    = 0xB
	rand48Mask = 1<<48 - 1
	// rand48Max is REDIS_LRAND48_MAX (INT32_MAX).
	rand48Max = math.MaxInt32
)

// reset puts the generator in its initial state (the process start).
func (r *rand48) reset() { r.x = 0x1234ABCD330E }

// seed is srand48: the high 32 bits of the state are the seed.
func (r *rand48) seed(s int32) { r.x = uint64(uint32(s))<<16 | 0x330E }

// next returns lrand48: the top 31 bits of the next state.
func (r *rand48) next() int32 {
	r.x = (rand48A*r.x + rand48C) & rand48Mask
	return int32(r.x >> 17)
}

// mathLib returns the math table.
func (v *vm) mathLib() *lua.LTable {
	L := v.L
	t := L.NewTable()
	unary := map[string]func(float64) float64{
		"abs": math.Abs, "acos": math.Acos, "asin": math.Asin, "atan": math.Atan,
		"ceil": math.Ceil, "cos": math.Cos, "cosh": math.Cosh, "exp": math.Exp,
		"floor": math.Floor, "log10": math.Log10, "log": math.Log, "sin": math.Sin,
		"sinh": math.Sinh, "sqrt": math.Sqrt, "tan": math.Tan, "tanh": math.Tanh,
		"deg": func(x float64) float64 { return x * (180 / math.Pi) },
		"rad": func(x float64) float64 { return x * (math.Pi / 180) },
	}
	for name, f := range unary {
		f := f
		t.RawSetString(name, L.NewFunction(func(L *lua.LState) int {
			L.Push(lua.LNumber(f(checkNumber(L, 1))))
			return 1
		}))
	}
	binary := map[string]func(float64, float64) float64{
		"atan2": math.Atan2, "pow": math.Pow, "fmod": math.Mod,
	}
	for name, f := range binary {
		f := f
		t.RawSetString(name, L.NewFunction(func(L *lua.LState) int {
			L.Push(lua.LNumber(f(checkNumber(L, 1), checkNumber(L, 2))))
			return 1
		}))
	}
	t.RawSetString("mod", t.RawGetString("fmod"))
	t.RawSetString("modf", L.NewFunction(mathModf))
	t.RawSetString("frexp", L.NewFunction(mathFrexp))
	t.RawSetString("ldexp", L.NewFunction(mathLdexp))
	t.RawSetString("min", L.NewFunction(func(L *lua.LState) int { return mathMinMax(L, -1) }))
	t.RawSetString("max", L.NewFunction(func(L *lua.LState) int { return mathMinMax(L, 1) }))
	t.RawSetString("random", L.NewFunction(v.mathRandom))
	t.RawSetString("randomseed", L.NewFunction(v.mathRandomseed))
	t.RawSetString("pi", lua.LNumber(math.Pi))
	t.RawSetString("huge", lua.LNumber(math.Inf(1)))
	return t
}

func mathModf(L *lua.LState) int {
	ip, fp := math.Modf(checkNumber(L, 1))
	L.Push(lua.LNumber(ip))
	L.Push(lua.LNumber(fp))
	return 2
}

func mathFrexp(L *lua.LState) int {
	frac, exp := math.Frexp(checkNumber(L, 1))
	L.Push(lua.LNumber(frac))
	L.Push(lua.LNumber(exp))
	return 2
}

func mathLdexp(L *lua.LState) int {
	L.Push(lua.LNumber(math.Ldexp(checkNumber(L, 1), checkInt(L, 2))))
	return 1
}

// mathMinMax is math.min (sign -1) and math.max (sign 1).
func mathMinMax(L *lua.LState, sign float64) int {
	n := L.GetTop()
	best := checkNumber(L, 1)
	for i := 2; i <= n; i++ {
		x := checkNumber(L, i)
		if sign*x > sign*best {
			best = x
		}
	}
	L.Push(lua.LNumber(best))
	return 1
}

func (v *vm) mathRandom(L *lua.LState) int {
	rng := &v.c.run.rng
	r := float64(rng.next()%rand48Max) / rand48Max
	switch L.GetTop() {
	case 0:
		L.Push(lua.LNumber(r))
	case 1:
		u := checkInt(L, 1)
		if u < 1 {
			argError(L, 1, "interval is empty")
		}
		L.Push(lua.LNumber(math.Floor(r*float64(u)) + 1))
	case 2:
		l := checkInt(L, 1)
		u := checkInt(L, 2)
		if l > u {
			argError(L, 2, "interval is empty")
		}
		L.Push(lua.LNumber(math.Floor(r*float64(u-l+1)) + float64(l)))
	default:
		raise(L, "wrong number of arguments")
	}
	return 1
}

func (v *vm) mathRandomseed(L *lua.LState) int {
	v.c.run.rng.seed(int32(checkInt(L, 1)))
	return 0
}

// processStart anchors os.clock, which reports processor time in Lua;
// flect reports the time since the process started.
var processStart = time.Now()

func osClock(L *lua.LState) int {
	L.Push(lua.LNumber(time.Since(processStart).Seconds()))
	return 1
}
