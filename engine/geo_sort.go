package engine

// geoPartialSort puts the k smallest points (by cmp) in order at the front
// of p, as Valkey's pqsort(p, n, ..., 0, k-1) does when COUNT keeps fewer
// points than were found. pqsort is Bentley and McIlroy's quicksort that
// skips the partitions lying wholly outside the wanted range; it is not
// stable, so points at equal distances come out in the order it leaves
// them, which this re-expression reproduces step for step.
func geoPartialSort(p []geoPoint, k int, cmp func(a, b geoPoint) int) {
	if k <= 0 || len(p) == 0 {
		return
	}
	pqsortRange(p, 0, len(p), k, cmp)
}

// pqsortRange sorts p[lo:lo+n] enough that the part of it overlapping
// p[:k] is in order.
func pqsortRange(p []geoPoint, lo, n, k int, cmp func(a, b geoPoint) int) {
	less := func(i, j int) int { return cmp(p[i], p[j]) }
	swap := func(i, j int) { p[i], p[j] = p[j], p[i] }
	vecswap := func(i, j, m int) {
		for ; m > 0; m-- {
			swap(i, j)
			i++
			j++
		}
	}
	med3 := func(a, b, c int) int {
		if less(a, b) < 0 {
			switch {
			case less(b, c) < 0:
				return b
			case less(a, c) < 0:
				return c
			}
			return a
		}
		switch {
		case less(b, c) > 0:
			return b
		case less(a, c) < 0:
			return a
		}
		return c
	}
	// Each round partitions p[lo:lo+n]; the left part recurses and the
	// right part loops, as in the C code (bounded by n shrinking).
	for {
		if n < 7 {
			for pm := lo + 1; pm < lo+n; pm++ {
				for pl := pm; pl > lo && less(pl-1, pl) > 0; pl-- {
					swap(pl, pl-1)
				}
			}
			return
		}
		pm := lo + n/2
		if n > 7 {
			pl, pn := lo, lo+n-1
			if n > 40 {
				d := n / 8
				pl = med3(pl, pl+d, pl+2*d)
				pm = med3(pm-d, pm, pm+d)
				pn = med3(pn-2*d, pn-d, pn)
			}
			pm = med3(pl, pm, pn)
		}
		swap(lo, pm)
		pa, pb := lo+1, lo+1
		pc, pd := lo+n-1, lo+n-1
		for {
			for pb <= pc {
				r := less(pb, lo)
				if r > 0 {
					break
				}
				if r == 0 {
					swap(pa, pb)
					pa++
				}
				pb++
			}
			for pb <= pc {
				r := less(pc, lo)
				if r < 0 {
					break
				}
				if r == 0 {
					swap(pc, pd)
					pd--
				}
				pc--
			}
			if pb > pc {
				break
			}
			swap(pb, pc)
			pb++
			pc--
		}
		pn := lo + n
		r := min(pa-lo, pb-pa)
		vecswap(lo, pb-r, r)
		r = min(pd-pc, pn-pd-1)
		vecswap(pb, pn-r, r)
		// A partition matters when it starts before k.
		if r = pb - pa; r > 1 && lo < k {
			pqsortRange(p, lo, r, k, cmp)
		}
		r = pd - pc
		if r <= 1 || pn-r >= k {
			return
		}
		lo, n = pn-r, r
	}
}
