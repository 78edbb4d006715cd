package engine

import (
	"testing"
)

// hllEndsInHalfXZero reports whether sparse data ends in the first byte of
// an XZERO opcode (whose second byte reads as 0).
func hllEndsInHalfXZero(data []byte) bool {
	p := 0
	for p < len(data) {
		_, _, oplen := hllOp(data, p)
		p += oplen
	}
	return p > len(data)
}

// FuzzHLLSparse feeds arbitrary sparse data to every decoder and to the
// in-place register update. Nothing may panic; the decoders must agree on
// validity and, for valid data, with the independent model in hll_test.go.
func FuzzHLLSparse(f *testing.F) {
	f.Add([]byte{0x7f, 0xff}, uint16(0), uint8(1), uint16(3000))
	f.Add([]byte{0x7f, 0xff}, uint16(16383), uint8(32), uint16(3000))
	f.Add([]byte{0x7f, 0xfe, 0x80}, uint16(16383), uint8(2), uint16(3000))
	f.Add([]byte{0x7f, 0xfe, 0x81}, uint16(16383), uint8(2), uint16(3000))
	f.Add([]byte{0x60, 0xf3, 0x80, 0x50, 0xb1, 0x84, 0x4b, 0xfb, 0x80, 0x42, 0x5a}, uint16(8437), uint8(3), uint16(20))
	f.Add([]byte{0x7f}, uint16(100), uint8(5), uint16(3000))
	f.Add([]byte{0x3f, 0x8b, 0x8b, 0x7f, 0xbe}, uint16(64), uint8(3), uint16(0))
	f.Add([]byte{}, uint16(0), uint8(1), uint16(3000))
	f.Add([]byte{0x80, 0x7f, 0xfe, 0x80}, uint16(16383), uint8(2), uint16(3000))
	f.Fuzz(func(t *testing.T, data []byte, index uint16, count uint8, maxBytes uint16) {
		b := append(hllHdr(hllSparse), data...)
		var h [64]int
		validHisto := hllHisto(b, &h)
		_ = hllEstimate(&h)
		var regs [hllRegisters]uint8
		validMerge := hllMergeInto(&regs, b)
		dense, validDense := hllToDense(b)
		// Valkey's merge and conversion stop at a VAL opcode passing the
		// last register, the histogram counts it: data can be valid for
		// the first two only ("\x80\x7f\xfe\x80").
		if validMerge != validDense || validHisto && !validMerge {
			t.Fatalf("validity: histogram %v, merge %v, dense %v", validHisto, validMerge, validDense)
		}
		_ = hllDecode(nil, data)
		model, validModel := hllModel(data)
		if validModel && !validHisto {
			t.Fatalf("model valid, code not")
		}
		if validHisto {
			var hd [64]int
			hllHisto(dense, &hd)
			if hd != h {
				t.Fatalf("dense histogram differs")
			}
			if validModel && model != regs {
				t.Fatalf("merge differs from the model")
			}
		}

		idx := int(index) % hllRegisters
		cnt := count%hllRegisterMax + 1
		s := &Str{B: append([]byte(nil), b...)}
		r := hllSparseSet(s, idx, cnt, int64(maxBytes))
		if r < -1 || r > 1 || len(s.B) < hllHdrSize {
			t.Fatalf("set returned %d, %d bytes", r, len(s.B))
		}
		if !validModel || hllEndsInHalfXZero(data) {
			return
		}
		if r == -1 {
			t.Fatalf("set on valid data failed")
		}
		if (r == 1) != (cnt > model[idx]) {
			t.Fatalf("set %d to %d (was %d) returned %d", idx, cnt, model[idx], r)
		}
		model[idx] = max(model[idx], cnt)
		var got [hllRegisters]uint8
		if s.B[hllEncOffset] == hllSparse {
			var ok bool
			if got, ok = hllModel(s.B[hllHdrSize:]); !ok {
				t.Fatalf("set left invalid sparse data")
			}
		} else {
			if len(s.B) != hllDenseSize {
				t.Fatalf("dense of %d bytes", len(s.B))
			}
			for i := range got {
				got[i] = hllDenseGet(s.B[hllHdrSize:], i)
			}
		}
		if got != model {
			t.Fatalf("registers differ after set")
		}
	})
}

// FuzzHLLCommands runs the HLL commands on an arbitrary string value:
// replies may be errors, never a panic.
func FuzzHLLCommands(f *testing.F) {
	f.Add([]byte("HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x7f\xff"), []byte("a"))
	f.Add([]byte("HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x7f"), []byte("b"))
	f.Add([]byte("HYLL\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80"), []byte("c"))
	f.Add([]byte("HYLL"), []byte(""))
	st := newStrTester(f)
	f.Fuzz(func(t *testing.T, value, ele []byte) {
		st.t = t
		st.do("DEL", "k", "m")
		st.doBytes([][]byte{[]byte("SET"), []byte("k"), value})
		for _, args := range [][]string{
			{"PFADD", "k", string(ele), "x", "y"}, {"PFCOUNT", "k"}, {"PFCOUNT", "k", "n"},
			{"PFMERGE", "m", "k"}, {"PFDEBUG", "DECODE", "k"}, {"PFDEBUG", "ENCODING", "k"},
			{"PFMERGE", "k", "m"}, {"PFDEBUG", "GETREG", "k"}, {"PFCOUNT", "k"},
		} {
			if r := st.do(args...); r == "" {
				t.Fatalf("%q: no reply", args)
			}
		}
	})
}
