package resp

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"testing"
)

// fuzzLimits keep the fuzzer's memory small while exercising every limit.
var fuzzLimits = Limits{MaxBulk: 1 << 20, MaxQueryBuffer: 2 << 20}

// encodeRequest returns args as a RESP multibulk request.
func encodeRequest(args [][]byte) []byte {
	b := []byte("*" + strconv.Itoa(len(args)) + "\r\n")
	for _, a := range args {
		b = append(b, '$')
		b = strconv.AppendInt(b, int64(len(a)), 10)
		b = append(b, '\r', '\n')
		b = append(b, a...)
		b = append(b, '\r', '\n')
	}
	return b
}

// parseStream returns the requests in src (copied) and the error that ended
// it.
func parseStream(src io.Reader, authed bool) ([][][]byte, error) {
	r := NewReader(src, fuzzLimits)
	r.Authenticated = authed
	var out [][][]byte
	for range 100_000 {
		args, err := r.ReadCommand()
		if err != nil {
			return out, err
		}
		cp := make([][]byte, len(args))
		for i, a := range args {
			cp[i] = bytes.Clone(a)
		}
		out = append(out, cp)
	}
	return out, errors.New("too many requests")
}

// FuzzReader checks that the reader never panics, parses the same requests
// and fails with the same error whatever the read boundaries, and that
// every parsed request survives a round trip through the multibulk
// encoding.
func FuzzReader(f *testing.F) {
	for _, tc := range readerCases {
		if len(tc.in) <= 4096 {
			f.Add([]byte(tc.in))
		}
	}
	f.Add([]byte("*1\r\n$-2\r\n"))
	f.Add([]byte("*2\r\n$4\r\nECHO\r\n$3\r\na\x00b\r\n*1\r\n$4\r\nPING\r\nPING \"x\\x41\"\r\n"))
	f.Add([]byte("*11\r\n$1\r\na\r\n"))
	f.Add([]byte("*1\r\n$16385\r\n"))
	f.Add([]byte("*-9223372036854775808\r\n*1\r\n$4\r\nPING\r\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		for _, authed := range []bool{true, false} {
			whole, werr := parseStream(bytes.NewReader(in), authed)
			src := &chunkReader{data: in, rng: rand.New(rand.NewPCG(uint64(len(in)), 7)), max: 5}
			split, serr := parseStream(src, authed)
			if fmt.Sprintf("%q", whole) != fmt.Sprintf("%q", split) {
				t.Fatalf("authed=%v: whole read gives %q, split reads give %q", authed, whole, split)
			}
			if fmt.Sprint(werr) != fmt.Sprint(serr) {
				t.Fatalf("authed=%v: whole read ends with %v, split reads with %v", authed, werr, serr)
			}
			var perr ProtocolError
			if werr != io.EOF && !errors.As(werr, &perr) && werr != ErrQueryBufferLimit {
				t.Fatalf("unexpected error %v", werr)
			}
			for _, args := range whole {
				if len(args) == 0 {
					t.Fatal("empty request returned")
				}
				again, err := parseStream(bytes.NewReader(encodeRequest(args)), true)
				if err != io.EOF || len(again) != 1 || fmt.Sprintf("%q", again[0]) != fmt.Sprintf("%q", args) {
					t.Fatalf("%q re-encoded parses to %q, %v", args, again, err)
				}
			}
		}
	})
}

// string2ll is a plain reference for parseLen: Valkey's string2ll accepts
// "0", or an optional '-' then a digit 1-9 then digits, within int64.
func string2ll(s string) (int64, bool) {
	if s == "0" {
		return 0, true
	}
	d := s
	if len(d) > 0 && d[0] == '-' {
		d = d[1:]
	}
	if len(d) == 0 || d[0] < '1' || d[0] > '9' {
		return 0, false
	}
	for i := 0; i < len(d); i++ {
		if d[i] < '0' || d[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

// FuzzParseLen compares the reader's fast length parser with the reference.
func FuzzParseLen(f *testing.F) {
	for _, s := range []string{"0", "-1", "12", "01", "-0", "+1", "9223372036854775807", "-9223372036854775808",
		"9223372036854775808", "+123456789012345678", "123456789012345678901"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, ok := parseLen([]byte(s))
		wn, wok := string2ll(s)
		if ok != wok || (ok && n != wn) {
			t.Fatalf("parseLen(%q) = %d, %v; string2ll gives %d, %v", s, n, ok, wn, wok)
		}
	})
}
