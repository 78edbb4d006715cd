package lualib

import (
	"encoding/binary"
	"fmt"
	"math"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// The struct library, lua_struct.c as in Valkey 8 on x86-64 Linux:
// struct.pack(fmt, ...), struct.unpack(fmt, s[, pos]) and struct.size(fmt).
// The format language:
//
//	>  <       big, little endian (default little, the machine's)
//	![n]       align fields to at most n bytes (a power of 2, default 8)
//	x          one padding byte
//	b B        signed, unsigned char (1 byte)
//	h H        short (2)        l L  long (8)      T  size_t (8)
//	i[n] I[n]  integer of n bytes (default 4, at most 32)
//	f d        float (4), double (8)
//	c[n]       n chars (default 1); packing c0 takes the whole string,
//	           unpacking c0 takes the previous number as the length
//	s          zero-terminated string
//	' '        ignored
//
// Integers are packed from a C long, so bytes past the eighth are zero,
// and out-of-range numbers convert as x86-64 converts them; unpacked
// integers come back as Lua numbers (doubles). struct.unpack returns the
// values, then the position after them. The format ends at a NUL byte. No
// difference from Valkey is known.

// structMaxAlign is MAXALIGN: the alignment of a double on x86-64.
const structMaxAlign = 8

// structMaxIntSize is MAXINTSIZE: the largest i/I size.
const structMaxIntSize = 32

func newStruct(L *lua.LState) *lua.LTable {
	return newModule(L, []libFunc{
		{"pack", structPack},
		{"unpack", structUnpack},
		{"size", structSize},
	})
}

// structFormat walks a format string.
type structFormat struct {
	L      *lua.LState
	fmt    string
	i      int
	little bool
	align  int
}

func newStructFormat(L *lua.LState) *structFormat {
	f := checkString(L, 1)
	if i := strings.IndexByte(f, 0); i >= 0 {
		f = f[:i]
	}
	return &structFormat{L: L, fmt: f, little: true, align: 1}
}

// num reads the decimal number at the cursor, or returns def if there is
// none.
func (f *structFormat) num(def int) int {
	if f.i >= len(f.fmt) || !isDigit(f.fmt[f.i]) {
		return def
	}
	a := 0
	for f.i < len(f.fmt) && isDigit(f.fmt[f.i]) {
		d := int(f.fmt[f.i] - '0')
		if a > math.MaxInt32/10 || a*10 > math.MaxInt32-d {
			raise(f.L, "integral size overflow")
		}
		a = a*10 + d
		f.i++
	}
	return a
}

// size is the size of option opt, reading its number if it takes one; 0
// for options without a size.
func (f *structFormat) size(opt byte) int {
	switch opt {
	case 'B', 'b', 'x':
		return 1
	case 'H', 'h':
		return 2
	case 'L', 'l', 'T', 'd':
		return 8
	case 'f':
		return 4
	case 'c':
		return f.num(1)
	case 'i', 'I':
		n := f.num(4)
		if n > structMaxIntSize {
			raise(f.L, "integral size %d is larger than limit of %d", n, structMaxIntSize)
		}
		return n
	}
	return 0
}

// toAlign is the padding that aligns an option of size at offset n.
func (f *structFormat) toAlign(n uint64, opt byte, size int) uint64 {
	if size == 0 || opt == 'c' {
		return 0
	}
	s := uint64(min(size, f.align))
	return (s - n&(s-1)) & (s - 1)
}

// control applies an option that is not a field: endianness, alignment,
// space; anything else is an invalid option.
func (f *structFormat) control(opt byte) {
	switch opt {
	case ' ':
	case '>':
		f.little = false
	case '<':
		f.little = true
	case '!':
		a := f.num(structMaxAlign)
		if a <= 0 || a&(a-1) != 0 {
			raise(f.L, "alignment %d is not a power of 2", a)
		}
		f.align = a
	default:
		argError(f.L, 1, fmt.Sprintf("invalid format option '%c'", opt))
	}
}

// order is the byte order for writing, byteOrder for reading.
func (f *structFormat) order() binary.AppendByteOrder {
	if f.little {
		return binary.LittleEndian
	}
	return binary.BigEndian
}

func (f *structFormat) byteOrder() binary.ByteOrder {
	if f.little {
		return binary.LittleEndian
	}
	return binary.BigEndian
}

// structPack is struct.pack(fmt, ...): the values packed as fmt says.
func structPack(L *lua.LState) int {
	f := newStructFormat(L)
	L.Push(lua.LNil) // lua_struct.c's marker: a missing value reads as nil
	var b []byte
	arg := 2
	var total uint64
	for f.i < len(f.fmt) {
		opt := f.fmt[f.i]
		f.i++
		size := f.size(opt)
		pad := f.toAlign(total, opt, size)
		total += pad
		for ; pad > 0; pad-- {
			b = append(b, 0)
		}
		switch opt {
		case 'b', 'B', 'h', 'H', 'l', 'L', 'T', 'i', 'I':
			n := checkNumber(L, arg)
			arg++
			var v uint64
			if n < 0 {
				v = uint64(toInt64(n))
			} else {
				v = toUint64(n)
			}
			for i := 0; i < size; i++ {
				shift := 8 * i // little endian: least significant byte first
				if !f.little {
					shift = 8 * (size - 1 - i)
				}
				if shift < 64 {
					b = append(b, byte(v>>shift))
				} else {
					b = append(b, 0)
				}
			}
		case 'x':
			b = append(b, 0)
		case 'f':
			b = f.order().AppendUint32(b, math.Float32bits(float32(checkNumber(L, arg))))
			arg++
		case 'd':
			b = f.order().AppendUint64(b, math.Float64bits(checkNumber(L, arg)))
			arg++
		case 'c', 's':
			s := checkString(L, arg)
			arg++
			if size == 0 {
				size = len(s)
			}
			if len(s) < size {
				argError(L, arg, "string too short")
			}
			b = append(b, s[:size]...)
			if opt == 's' {
				b = append(b, 0)
				size++
			}
		default:
			f.control(opt)
		}
		total += uint64(size)
	}
	L.Push(lua.LString(b))
	return 1
}

// structUnpack is struct.unpack(fmt, s[, pos]): the values packed in s from
// pos (1-based, default 1), then the position after them.
func structUnpack(L *lua.LState) int {
	f := newStructFormat(L)
	data := checkString(L, 2)
	ld := uint64(len(data))
	pos := uint64(optInteger(L, 3, 1)) // a size_t: negative offsets wrap
	if pos == 0 {
		argError(L, 3, "offset must be 1 or greater")
	}
	pos--
	held := L.GetTop()
	var results []lua.LValue
	for f.i < len(f.fmt) {
		opt := f.fmt[f.i]
		f.i++
		size := uint64(f.size(opt))
		pos += f.toAlign(pos, opt, int(size))
		if size > ld || pos > ld-size {
			argError(L, 2, "data string too short")
		}
		checkStack(L, held+len(results), 2, "too many results")
		switch opt {
		case 'b', 'B', 'h', 'H', 'l', 'L', 'T', 'i', 'I':
			results = append(results, structInteger(data[pos:pos+size], f.little, opt >= 'a'))
		case 'x':
		case 'f':
			bits := f.byteOrder().Uint32([]byte(data[pos : pos+4]))
			results = append(results, lua.LNumber(math.Float32frombits(bits)))
		case 'd':
			bits := f.byteOrder().Uint64([]byte(data[pos : pos+8]))
			results = append(results, lua.LNumber(math.Float64frombits(bits)))
		case 'c':
			if size == 0 {
				var n float64
				ok := false
				if len(results) > 0 {
					n, ok = toNumber(results[len(results)-1])
				}
				if !ok {
					raise(L, "format 'c0' needs a previous size")
				}
				size = toUint64(n)
				results = results[:len(results)-1]
				if size > ld || pos > ld-size {
					argError(L, 2, "data string too short")
				}
			}
			results = append(results, lua.LString(data[pos:pos+size]))
		case 's':
			end := strings.IndexByte(data[pos:], 0)
			if end < 0 {
				raise(L, "unfinished string in data")
			}
			size = uint64(end) + 1
			results = append(results, lua.LString(data[pos:pos+uint64(end)]))
		default:
			f.control(opt)
		}
		pos += size
	}
	for _, v := range results {
		L.Push(v)
	}
	L.Push(lua.LNumber(int64(pos + 1)))
	return len(results) + 1
}

// structInteger reads an integer of len(b) bytes. As lua_struct.c keeps it
// in a C long, only the last eight bytes read count, and the sign is
// extended from bit 8*len(b)-1 modulo 64.
func structInteger(b string, little, signed bool) lua.LValue {
	var l uint64
	for i := range len(b) {
		j := i
		if little {
			j = len(b) - 1 - i
		}
		l = l<<8 | uint64(b[j])
	}
	if !signed {
		return lua.LNumber(l)
	}
	mask := ^uint64(0) << ((len(b)*8 - 1) & 63)
	if l&mask != 0 {
		l |= mask
	}
	return lua.LNumber(int64(l))
}

// structSize is struct.size(fmt): the size of what fmt packs, which must
// not hold an s or c0 option. Unknown letters and digits count as nothing.
func structSize(L *lua.LState) int {
	f := newStructFormat(L)
	var pos uint64
	for f.i < len(f.fmt) {
		opt := f.fmt[f.i]
		f.i++
		size := f.size(opt)
		pos += f.toAlign(pos, opt, size)
		if opt == 's' {
			argError(L, 1, "option 's' has no fixed size")
		} else if opt == 'c' && size == 0 {
			argError(L, 1, "option 'c0' has no fixed size")
		}
		if !isDigit(opt) && !isLetter(opt) {
			f.control(opt)
		}
		pos += uint64(size)
	}
	L.Push(lua.LNumber(int64(pos)))
	return 1
}
