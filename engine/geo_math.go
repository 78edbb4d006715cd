package engine

import "math"

// Correctly rounded sine, cosine and arcsine for the geo distances.
//
// Valkey computes distances with glibc's sin, cos and asin, which return
// the correctly rounded result in all but vanishingly rare cases; Go's
// math package is off by an ulp now and then, enough to change the fourth
// decimal of a distance once in a few thousand. These compute in
// double-double arithmetic (about 106 bits) and round once at the end.

// dd is an unevaluated sum hi+lo with |lo| <= ulp(hi)/2.
type dd struct{ hi, lo float64 }

func twoSum(a, b float64) dd {
	s := a + b
	bb := s - a
	return dd{s, (a - (s - bb)) + (b - bb)}
}

func quickTwoSum(a, b float64) dd {
	s := a + b
	return dd{s, b - (s - a)}
}

func twoProd(a, b float64) dd {
	p := a * b
	return dd{p, math.FMA(a, b, -p)}
}

func (x dd) add(y dd) dd {
	s := twoSum(x.hi, y.hi)
	t := twoSum(x.lo, y.lo)
	s.lo += t.hi
	s = quickTwoSum(s.hi, s.lo)
	s.lo += t.lo
	return quickTwoSum(s.hi, s.lo)
}

func (x dd) mul(y dd) dd {
	p := twoProd(x.hi, y.hi)
	p.lo += x.hi*y.lo + x.lo*y.hi
	return quickTwoSum(p.hi, p.lo)
}

func (x dd) divF(y float64) dd {
	q1 := x.hi / y
	r := x.add(twoProd(q1, y).neg())
	q2 := r.hi / y
	r = r.add(twoProd(q2, y).neg())
	q3 := r.hi / y
	return quickTwoSum(q1, q2).add(dd{q3, 0})
}

func (x dd) neg() dd { return dd{-x.hi, -x.lo} }

// Taylor coefficients: sinCoef[n] = (-1)^n/(2n+1)!, cosCoef[n] =
// (-1)^n/(2n)!, enough terms for |x| <= pi/4 to 2^-110.
var sinCoef, cosCoef = taylorCoefs()

func taylorCoefs() (s, c [16]dd) {
	f := dd{1, 0} // 1/k!
	for k := 0; k < 32; k++ {
		if k > 0 {
			f = f.divF(float64(k))
		}
		v := f
		if (k/2)%2 == 1 {
			v = v.neg()
		}
		if k%2 == 0 {
			c[k/2] = v
		} else {
			s[k/2] = v
		}
	}
	return s, c
}

// piOver2 is pi/2 as a sum of three doubles (about 160 bits).
var piOver2 = [3]float64{1.5707963267948966, 6.123233995736766e-17, -1.4973849048591698e-33}

// reduceHalfPi returns r and k with x = r + k*pi/2, |r| <= pi/4 (about),
// r in double-double precision. ok is false for |x| too large for this
// reduction.
func reduceHalfPi(x float64) (r dd, k int64, ok bool) {
	if !(math.Abs(x) < 1e6) {
		return dd{}, 0, false
	}
	kf := math.RoundToEven(x * (2 / math.Pi))
	r = dd{x, 0}
	for _, p := range piOver2 {
		r = r.add(twoProd(kf, p).neg())
	}
	return r, int64(kf), true
}

// taylorSin and taylorCos evaluate the series for |r| <= pi/4; they are
// slow (sixteen double-double terms) and only build sinCosTable.
func taylorSin(r dd) dd {
	r2 := r.mul(r)
	s := sinCoef[len(sinCoef)-1]
	for i := len(sinCoef) - 2; i >= 0; i-- {
		s = s.mul(r2).add(sinCoef[i])
	}
	return s.mul(r)
}

func taylorCos(r dd) dd {
	r2 := r.mul(r)
	s := cosCoef[len(cosCoef)-1]
	for i := len(cosCoef) - 2; i >= 0; i-- {
		s = s.mul(r2).add(cosCoef[i])
	}
	return s
}

// sinCosTable holds sin(i/128) and cos(i/128) for i = 0..102 (just past
// pi/4), in double-double.
var sinCosTable = func() (t [103][2]dd) {
	for i := range t {
		a := dd{float64(i) / 128, 0}
		t[i] = [2]dd{taylorSin(a), taylorCos(a)}
	}
	return t
}()

// sinCosSmall returns sin(r) and cos(r) for |r| <= pi/4 (a little more is
// fine): r = a + t with a = i/128 from the table and |t| <= 1/256, whose
// sine and cosine short series need few terms.
func sinCosSmall(r dd) (sin, cos dd) {
	i := int(math.RoundToEven(r.hi * 128))
	t := twoSum(r.hi-float64(i)/128, r.lo) // the subtraction is exact
	neg := i < 0
	if neg {
		i = -i
	}
	sa, ca := sinCosTable[i][0], sinCosTable[i][1]
	if neg {
		sa = sa.neg()
	}
	sq := twoProd(t.hi, t.hi)
	sq.lo += 2 * t.hi * t.lo
	t2 := sq.hi
	// sin t - t and cos t - 1 + t^2/2, small enough for double precision.
	p := t.hi * t2 * (-1.0/6 + t2*(1.0/120+t2*(-1.0/5040+t2*(1.0/362880))))
	q := t2 * t2 * (1.0/24 + t2*(-1.0/720+t2*(1.0/40320)))
	st := t.add(dd{p, 0})
	cm1 := dd{-sq.hi / 2, -sq.lo / 2}.add(dd{q, 0})
	sin = sa.add(sa.mul(cm1).add(ca.mul(st)))
	cos = ca.add(ca.mul(cm1).add(sa.mul(st).neg()))
	return sin, cos
}

// sinCosDD returns sin(x) (cos when cos is set) in double-double.
func sinCosDD(x float64, cos bool) (dd, bool) {
	r, k, ok := reduceHalfPi(x)
	if !ok {
		return dd{}, false
	}
	if cos {
		k++
	}
	s, c := sinCosSmall(r)
	switch k & 3 {
	case 0:
		return s, true
	case 1:
		return c, true
	case 2:
		return s.neg(), true
	}
	return c.neg(), true
}

// geoSin is sin(x) correctly rounded (math.Sin for huge or special x).
func geoSin(x float64) float64 {
	if x == 0 {
		return x
	}
	v, ok := sinCosDD(x, false)
	if !ok {
		return math.Sin(x)
	}
	return v.hi + v.lo
}

// geoCos is cos(x) correctly rounded (math.Cos for huge or special x).
func geoCos(x float64) float64 {
	v, ok := sinCosDD(x, true)
	if !ok {
		return math.Cos(x)
	}
	return v.hi + v.lo
}

// geoAsin is asin(s) correctly rounded for s in [0, 1]: one Newton step in
// double-double from math.Asin's estimate doubles its precision.
func geoAsin(s float64) float64 {
	if s >= 0 && s <= 0x1p-26 {
		return s // s + s^3/6 rounds to s
	}
	if !(s > 0 && s < 1) {
		return math.Asin(s)
	}
	y := math.Asin(s)
	// y is in [0, pi/2]: reduce by pi/2 when past pi/4.
	r, k, _ := reduceHalfPi(y)
	sv, cv := sinCosSmall(r)
	if k != 0 {
		sv, cv = cv, sv.neg()
	}
	// y + (s - sin y) / cos y, the quotient to double-double precision.
	diff := dd{s, 0}.add(sv.neg())
	corr := diff.hi / cv.hi
	extra := (diff.lo - corr*cv.lo) / cv.hi
	res := twoSum(y, corr)
	res.lo += extra
	return res.hi + res.lo
}
