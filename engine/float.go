package engine

import (
	"math"
	"strconv"
)

// AppendDouble formats f as Valkey's d2string does for replies: "inf",
// "-inf", "nan", and otherwise the shortest text that reads back as f.
func AppendDouble(dst []byte, f float64) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(dst, "inf"...)
	case math.IsInf(f, -1):
		return append(dst, "-inf"...)
	case math.IsNaN(f):
		return append(dst, "nan"...)
	}
	return strconv.AppendFloat(dst, f, 'g', -1, 64)
}
