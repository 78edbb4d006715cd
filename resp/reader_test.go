package resp

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
)

// defaultLimits are Valkey's defaults: 512mb bulks, 1gb query buffer.
var defaultLimits = Limits{MaxBulk: 512 << 20, MaxQueryBuffer: 1 << 30}

// readAll parses every request in src and returns them as string slices,
// with the error that ended the stream (io.EOF at a clean end).
func readAll(src io.Reader, limits Limits, authed bool) ([][]string, error) {
	r := NewReader(src, limits)
	r.Authenticated = authed
	var out [][]string
	for i := 0; i < 1_000_000; i++ {
		args, err := r.ReadCommand()
		if err != nil {
			return out, err
		}
		cmd := make([]string, len(args))
		for j, a := range args {
			cmd[j] = string(a)
		}
		out = append(out, cmd)
	}
	return out, errors.New("too many commands")
}

func cmds(cs ...[]string) [][]string { return cs }
func c(args ...string) []string      { return args }

type readerCase struct {
	name string
	in   string
	want [][]string
	// err is the ProtocolError text that ends the stream; "" means the
	// stream ends with io.EOF after want.
	err string
}

var readerCases = []readerCase{
	{name: "multibulk", in: "*1\r\n$4\r\nPING\r\n", want: cmds(c("PING"))},
	{name: "multibulk args", in: "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\n", want: cmds(c("SET", "k", "hello"))},
	{name: "empty bulk", in: "*2\r\n$4\r\nECHO\r\n$0\r\n\r\n", want: cmds(c("ECHO", ""))},
	{name: "binary bulk", in: "*2\r\n$4\r\nECHO\r\n$6\r\n\x00\r\n\xff\r\n\r\n", want: cmds(c("ECHO", "\x00\r\n\xff\r\n"))},
	{name: "pipelined", in: "*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$1\r\na\r\nPING\r\n", want: cmds(c("PING"), c("ECHO", "a"), c("PING"))},
	// Valkey reads a bulk's length plus two bytes without checking they
	// are CRLF.
	{name: "bulk terminator not checked", in: "*1\r\n$4\r\nPINGxx", want: cmds(c("PING"))},
	{name: "zero multibulk skipped", in: "*0\r\n*1\r\n$4\r\nPING\r\n", want: cmds(c("PING"))},
	{name: "negative multibulk skipped", in: "*-1\r\n*-5\r\nPING\r\n", want: cmds(c("PING"))},
	{name: "big multibulk announced", in: "*1048577\r\n", want: nil},
	{name: "min int64 multibulk skipped", in: "*-9223372036854775808\r\nPING\r\n", want: cmds(c("PING"))},
	{name: "long negative multibulk skipped", in: "*-1234567890123456789\r\nPING\r\n", want: cmds(c("PING"))},
	{name: "int max multibulk", in: "*2147483647\r\n", want: nil},

	{name: "inline", in: "PING\r\n", want: cmds(c("PING"))},
	{name: "inline LF only", in: "PING\nECHO a\n", want: cmds(c("PING"), c("ECHO", "a"))},
	{name: "inline spaces", in: "  SET   k \t v  \r\n", want: cmds(c("SET", "k", "v"))},
	{name: "inline double quotes", in: "ECHO \"a b\" \"\"\r\n", want: cmds(c("ECHO", "a b", ""))},
	{name: "inline escapes", in: "ECHO \"\\r\\n\\t\\b\\a\\\\\\\"\\x41\\xff\\q\"\r\n", want: cmds(c("ECHO", "\r\n\t\b\a\\\"A\xffq"))},
	{name: "inline bad hex", in: "ECHO \"\\xZZ\"\r\n", want: cmds(c("ECHO", "xZZ"))},
	{name: "inline single quotes", in: "ECHO 'a \"b\" \\'c\\' \\n'\r\n", want: cmds(c("ECHO", "a \"b\" 'c' \\n"))},
	{name: "inline quote glued", in: "ECHO a\"b c\"\r\n", want: cmds(c("ECHO", "ab c"))},
	{name: "empty lines skipped", in: "\r\n\r\n\n   \r\nPING\r\n", want: cmds(c("PING"))},

	{name: "unbalanced double quote", in: "PING \"a\r\n", err: "Protocol error: unbalanced quotes in request"},
	{name: "unbalanced single quote", in: "PING 'a\r\n", err: "Protocol error: unbalanced quotes in request"},
	{name: "closing quote glued", in: "PING \"a\"b\r\n", err: "Protocol error: unbalanced quotes in request"},
	{name: "closing single quote glued", in: "PING 'a'b\r\n", err: "Protocol error: unbalanced quotes in request"},
	{name: "quote in word", in: "PING a\"b\r\n", err: "Protocol error: unbalanced quotes in request"},

	{name: "negative bulk", in: "*1\r\n$-2\r\n", err: "Protocol error: invalid bulk length"},
	{name: "null bulk in request", in: "*1\r\n$-1\r\n", err: "Protocol error: invalid bulk length"},
	{name: "plus bulk", in: "*1\r\n$+3\r\nfoo\r\n", err: "Protocol error: invalid bulk length"},
	{name: "leading zero bulk", in: "*1\r\n$04\r\nPING\r\n", err: "Protocol error: invalid bulk length"},
	{name: "empty bulk length", in: "*1\r\n$\r\n", err: "Protocol error: invalid bulk length"},
	{name: "bulk over proto-max-bulk-len", in: "*1\r\n$536870913\r\n", err: "Protocol error: invalid bulk length"},
	{name: "abc multibulk", in: "*abc\r\n", err: "Protocol error: invalid multibulk length"},
	{name: "minus zero multibulk", in: "*-0\r\n", err: "Protocol error: invalid multibulk length"},
	{name: "minus only multibulk", in: "*-\r\n", err: "Protocol error: invalid multibulk length"},
	{name: "below min int64 multibulk", in: "*-9223372036854775809\r\n", err: "Protocol error: invalid multibulk length"},
	{name: "max int64 multibulk", in: "*9223372036854775807\r\n", err: "Protocol error: invalid multibulk length"},
	{name: "spaces in multibulk length", in: "*1 \r\n", err: "Protocol error: invalid multibulk length"},
	{name: "minus zero bulk", in: "*1\r\n$-0\r\n", err: "Protocol error: invalid bulk length"},
	{name: "min int64 bulk", in: "*1\r\n$-9223372036854775808\r\n", err: "Protocol error: invalid bulk length"},
	{name: "max int64 bulk", in: "*1\r\n$9223372036854775807\r\n", err: "Protocol error: invalid bulk length"},
	{name: "hex bulk", in: "*1\r\n$0x4\r\n", err: "Protocol error: invalid bulk length"},
	{name: "empty multibulk length", in: "*\r\n", err: "Protocol error: invalid multibulk length"},
	{name: "leading zero multibulk", in: "*01\r\n$4\r\nPING\r\n", err: "Protocol error: invalid multibulk length"},
	{name: "plus multibulk", in: "*+1\r\n$4\r\nPING\r\n", err: "Protocol error: invalid multibulk length"},
	{name: "multibulk over int max", in: "*3000000000\r\n", err: "Protocol error: invalid multibulk length"},
	{name: "multibulk overflow", in: "*99999999999999999999\r\n", err: "Protocol error: invalid multibulk length"},
	{name: "expected dollar", in: "*1\r\nfoo\r\n", err: "Protocol error: expected '$', got 'f'"},
	{name: "expected dollar colon", in: "*2\r\n$4\r\nECHO\r\n:1\r\n", err: "Protocol error: expected '$', got ':'"},
	{name: "good then bad", in: "*2\r\n$4\r\nECHO\r\n$1\r\na\r\n*3\r\n$-1\r\n", want: cmds(c("ECHO", "a")), err: "Protocol error: invalid bulk length"},
	// A '$' request without '*' is an inline command named "$3".
	{name: "dollar without star", in: "$3\r\nfoo\r\n", want: cmds(c("$3"), c("foo"))},
	{name: "too big inline", in: strings.Repeat("a", inlineMax+1), err: "Protocol error: too big inline request"},
	{name: "too big mbulk count", in: "*" + strings.Repeat("1", inlineMax+1), err: "Protocol error: too big mbulk count string"},
	{name: "too big bulk count", in: "*1\r\n$" + strings.Repeat("1", inlineMax+1), err: "Protocol error: too big bulk count string"},
}

func TestReaderTable(t *testing.T) {
	for _, tc := range readerCases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := readAll(strings.NewReader(tc.in), defaultLimits, true)
			checkRead(t, tc, got, err)
		})
	}
}

func checkRead(t *testing.T, tc readerCase, got [][]string, err error) {
	t.Helper()
	if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", tc.want) {
		t.Errorf("commands = %q, want %q", got, tc.want)
	}
	if tc.err == "" {
		if err != io.EOF {
			t.Errorf("err = %v, want io.EOF", err)
		}
		return
	}
	var perr ProtocolError
	if !errors.As(err, &perr) || string(perr) != tc.err {
		t.Errorf("err = %v, want protocol error %q", err, tc.err)
	}
}

// chunkReader returns at most a few bytes per Read, at random boundaries.
type chunkReader struct {
	data []byte
	rng  *rand.Rand
	max  int
}

func (r *chunkReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	n := 1 + r.rng.IntN(r.max)
	n = min(n, len(p), len(r.data))
	copy(p, r.data[:n])
	r.data = r.data[n:]
	return n, nil
}

// TestReaderSplitReads feeds every table case in pieces of 1..N bytes: the
// same commands and the same error must come out whatever the boundaries.
func TestReaderSplitReads(t *testing.T) {
	for _, max := range []int{1, 2, 3, 7, 64} {
		for seed := uint64(0); seed < 4; seed++ {
			for _, tc := range readerCases {
				if len(tc.in) > 4096 && max < 64 {
					continue // inline scans are quadratic in tiny reads
				}
				src := &chunkReader{data: []byte(tc.in), rng: rand.New(rand.NewPCG(seed, uint64(max))), max: max}
				got, err := readAll(src, defaultLimits, true)
				t.Run(fmt.Sprintf("%s/max%d/seed%d", tc.name, max, seed), func(t *testing.T) {
					checkRead(t, tc, got, err)
				})
			}
		}
	}
}

// TestReaderPipelineSplit parses a long pipeline of mixed requests fed in
// random pieces, crossing the buffer's growth and compaction.
func TestReaderPipelineSplit(t *testing.T) {
	var in bytes.Buffer
	var want [][]string
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 3000; i++ {
		switch i % 3 {
		case 0:
			v := strings.Repeat("v", rng.IntN(40000))
			in.WriteString(fmt.Sprintf("*3\r\n$3\r\nSET\r\n$%d\r\nk%d\r\n$%d\r\n%s\r\n", len(fmt.Sprint(i))+1, i, len(v), v))
			want = append(want, c("SET", fmt.Sprintf("k%d", i), v))
		case 1:
			in.WriteString(fmt.Sprintf("GET k%d\r\n", i))
			want = append(want, c("GET", fmt.Sprintf("k%d", i)))
		default:
			in.WriteString("*0\r\n\r\n*1\r\n$4\r\nPING\r\n")
			want = append(want, c("PING"))
		}
	}
	for _, max := range []int{1 << 10, 1 << 16} {
		src := &chunkReader{data: in.Bytes(), rng: rand.New(rand.NewPCG(3, uint64(max))), max: max}
		got, err := readAll(src, defaultLimits, true)
		if err != io.EOF {
			t.Fatalf("max %d: err = %v", max, err)
		}
		if len(got) != len(want) {
			t.Fatalf("max %d: %d commands, want %d", max, len(got), len(want))
		}
		for i := range want {
			if strings.Join(got[i], " ") != strings.Join(want[i], " ") {
				t.Fatalf("max %d: command %d = %.60q, want %.60q", max, i, got[i], want[i])
			}
		}
	}
}

func TestReaderUnauthenticatedLimits(t *testing.T) {
	cases := []readerCase{
		{name: "ten args allowed", in: "*10\r\n" + strings.Repeat("$1\r\na\r\n", 10), want: cmds(strings.Split("aaaaaaaaaa", ""))},
		{name: "eleven args", in: "*11\r\n", err: "Protocol error: unauthenticated multibulk length"},
		{name: "16384 bulk allowed", in: "*1\r\n$16384\r\n" + strings.Repeat("x", 16384) + "\r\n", want: cmds(c(strings.Repeat("x", 16384)))},
		{name: "16385 bulk", in: "*1\r\n$16385\r\n", err: "Protocol error: unauthenticated bulk length"},
		{name: "bad length wins", in: "*1\r\n$-3\r\n", err: "Protocol error: invalid bulk length"},
		{name: "inline is not limited by count", in: "A B C D E F G H I J K L\r\n", want: cmds(strings.Split("A B C D E F G H I J K L", " "))},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := readAll(strings.NewReader(tc.in), defaultLimits, false)
			checkRead(t, tc, got, err)
		})
	}
	// Authenticating lifts the limits for the following requests.
	r := NewReader(strings.NewReader("*1\r\n$4\r\nAUTH\r\n*11\r\n"+strings.Repeat("$1\r\nb\r\n", 11)), defaultLimits)
	if _, err := r.ReadCommand(); err != nil {
		t.Fatal(err)
	}
	r.Authenticated = true
	args, err := r.ReadCommand()
	if err != nil || len(args) != 11 {
		t.Fatalf("after auth: %d args, err %v", len(args), err)
	}
}

func TestReaderProtoMaxBulkLen(t *testing.T) {
	lim := Limits{MaxBulk: 1 << 20, MaxQueryBuffer: 1 << 30}
	ok := "*1\r\n$1048576\r\n" + strings.Repeat("z", 1<<20) + "\r\n"
	got, err := readAll(strings.NewReader(ok), lim, true)
	if err != io.EOF || len(got) != 1 || len(got[0][0]) != 1<<20 {
		t.Fatalf("1mb bulk: %d commands, err %v", len(got), err)
	}
	_, err = readAll(strings.NewReader("*1\r\n$1048577\r\n"), lim, true)
	if err != errInvalidBulk {
		t.Fatalf("1mb+1 bulk: err %v, want %v", err, errInvalidBulk)
	}
}

func TestReaderQueryBufferLimit(t *testing.T) {
	lim := Limits{MaxBulk: 512 << 20, MaxQueryBuffer: 256 << 10}
	// One bulk bigger than the query buffer limit: the client is closed
	// without a reply once its pending request passes the limit.
	in := "*2\r\n$3\r\nSET\r\n$1000000\r\n" + strings.Repeat("q", 1000000) + "\r\n"
	_, err := readAll(strings.NewReader(in), lim, true)
	if err != ErrQueryBufferLimit {
		t.Fatalf("err = %v, want ErrQueryBufferLimit", err)
	}
	// Many small requests in a row are not one pending request.
	many := strings.Repeat("*1\r\n$4\r\nPING\r\n", 100000)
	got, err := readAll(strings.NewReader(many), lim, true)
	if err != io.EOF || len(got) != 100000 {
		t.Fatalf("pipeline: %d commands, err %v", len(got), err)
	}
}

// TestReaderAnnouncedBulkNotAllocated: a client announcing a 100MB bulk and
// sending ten bytes must not make the server allocate 100MB.
func TestReaderAnnouncedBulkNotAllocated(t *testing.T) {
	in := []byte("*2\r\n$3\r\nSET\r\n$104857600\r\n0123456789")
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	r := NewReader(bytes.NewReader(in), defaultLimits)
	r.Authenticated = true
	_, err := r.ReadCommand()
	runtime.ReadMemStats(&after)
	if err != io.EOF {
		t.Fatalf("err = %v, want io.EOF", err)
	}
	if cap(r.buf) > 64<<10 {
		t.Errorf("read buffer grew to %d bytes for 33 bytes received", cap(r.buf))
	}
	if d := after.TotalAlloc - before.TotalAlloc; d > 8<<20 { // slack for other goroutines, far below what was announced
		t.Errorf("allocated %d bytes for 33 bytes received", d)
	}
	// The same with the many-args header: *2147483647 must not size
	// anything either.
	runtime.GC()
	runtime.ReadMemStats(&before)
	r = NewReader(strings.NewReader("*2147483647\r\n$1\r\na\r\n"), defaultLimits)
	r.Authenticated = true
	_, err = r.ReadCommand()
	runtime.ReadMemStats(&after)
	if err != io.EOF {
		t.Fatalf("err = %v, want io.EOF", err)
	}
	if d := after.TotalAlloc - before.TotalAlloc; d > 8<<20 { // slack for other goroutines, far below what was announced
		t.Errorf("allocated %d bytes for a multibulk header", d)
	}
}

// TestReaderBufferGrowsWithData: a big bulk arriving in pieces grows the
// buffer only as data comes, and the buffer shrinks back once idle.
func TestReaderBufferGrowsWithData(t *testing.T) {
	const n = 4 << 20
	in := "*2\r\n$4\r\nECHO\r\n$4194304\r\n" + strings.Repeat("b", n) + "\r\n*1\r\n$4\r\nPING\r\n"
	src := &chunkReader{data: []byte(in), rng: rand.New(rand.NewPCG(9, 9)), max: 64 << 10}
	r := NewReader(src, defaultLimits)
	r.Authenticated = true
	args, err := r.ReadCommand()
	if err != nil || len(args) != 2 || len(args[1]) != n {
		t.Fatalf("big echo: %d args, err %v", len(args), err)
	}
	if cap(r.buf) > 2*(n+64) {
		t.Errorf("buffer %d bytes for a %d-byte request", cap(r.buf), n)
	}
	args, err = r.ReadCommand()
	if err != nil || len(args) != 1 || string(args[0]) != "PING" {
		t.Fatalf("ping after big echo: %q, %v", args, err)
	}
	if _, err := r.ReadCommand(); err != io.EOF {
		t.Fatalf("err = %v, want io.EOF", err)
	}
	if cap(r.buf) > maxIdleReadBuffer {
		t.Errorf("idle buffer kept %d bytes", cap(r.buf))
	}
}

// TestReaderArgsAliasBuffer documents the contract: args are valid until
// the next ReadCommand.
func TestReaderArgsAliasBuffer(t *testing.T) {
	r := NewReader(strings.NewReader("*2\r\n$4\r\nECHO\r\n$3\r\nabc\r\n"), defaultLimits)
	r.Authenticated = true
	args, err := r.ReadCommand()
	if err != nil {
		t.Fatal(err)
	}
	if cap(args[1]) != len(args[1]) {
		t.Errorf("arg capacity %d beyond its length %d: an append would overwrite the next argument", cap(args[1]), len(args[1]))
	}
}

func TestReaderBeforeBlock(t *testing.T) {
	calls := 0
	src := &chunkReader{data: []byte("PING\r\nPING\r\n"), rng: rand.New(rand.NewPCG(1, 1)), max: 1}
	r := NewReader(src, defaultLimits)
	r.BeforeBlock = func() error { calls++; return nil }
	for i := 0; i < 2; i++ {
		if _, err := r.ReadCommand(); err != nil {
			t.Fatal(err)
		}
	}
	if calls == 0 {
		t.Error("BeforeBlock never called")
	}
	stop := errors.New("stop")
	r = NewReader(strings.NewReader("PING\r\n"), defaultLimits)
	r.BeforeBlock = func() error { return stop }
	if _, err := r.ReadCommand(); err != stop {
		t.Errorf("err = %v, want BeforeBlock's error", err)
	}
}

// TestParseLen: lengths are read as Valkey's string2ll reads them.
func TestParseLen(t *testing.T) {
	for _, tc := range []struct {
		in string
		n  int64
		ok bool
	}{
		{"0", 0, true}, {"1", 1, true}, {"-1", -1, true}, {"10", 10, true},
		{"123456789012345678", 123456789012345678, true},
		{"1234567890123456789", 1234567890123456789, true},
		{"-1234567890123456789", -1234567890123456789, true},
		{"9223372036854775807", 1<<63 - 1, true},
		{"-9223372036854775808", -1 << 63, true},
		{"9223372036854775808", 0, false},
		{"-9223372036854775809", 0, false},
		{"99999999999999999999", 0, false},
		{"", 0, false}, {"-", 0, false}, {"-0", 0, false}, {"00", 0, false}, {"01", 0, false},
		{"+1", 0, false}, {" 1", 0, false}, {"1 ", 0, false}, {"1a", 0, false}, {"0x1", 0, false},
		{"--1", 0, false}, {"123456789012345678901", 0, false},
		{"+123456789012345678", 0, false}, {"-+123456789012345678", 0, false},
		{"-+1", 0, false}, {"_123456789012345678", 0, false},
	} {
		n, ok := parseLen([]byte(tc.in))
		if ok != tc.ok || (ok && n != tc.n) {
			t.Errorf("parseLen(%q) = %d, %v; want %d, %v", tc.in, n, ok, tc.n, tc.ok)
		}
	}
}

func TestSplitArgs(t *testing.T) {
	cases := []struct {
		in   string
		want []string
		ok   bool
	}{
		{"", nil, true},
		{"   ", nil, true},
		{"a", []string{"a"}, true},
		{"a b\tc\nd\re", []string{"a", "b", "c", "d", "e"}, true},
		{`"a b"`, []string{"a b"}, true},
		{`""`, []string{""}, true},
		{`''`, []string{""}, true},
		{`"\x00\xFf\x4a"`, []string{"\x00\xffJ"}, true},
		{`"\x4"`, []string{"x4"}, true},
		{`"\n\r\t\b\a\\\"\z"`, []string{"\n\r\t\b\a\\\"z"}, true},
		{`'\n\''`, []string{`\n'`}, true},
		{`'\\'`, nil, false},
		{`'\\ '`, []string{`\\ `}, true},
		{`a"b c"d`, nil, false},
		{`a"b c" d`, []string{"ab c", "d"}, true},
		{`"abc`, nil, false},
		{`'abc`, nil, false},
		{`"abc"x`, nil, false},
		{`"abc\"`, nil, false},
		{`'abc'x`, nil, false},
		{"\"a\"\t'b'", []string{"a", "b"}, true},
	}
	for _, tc := range cases {
		args, ok := SplitArgs([]byte(tc.in))
		var got []string
		for _, a := range args {
			got = append(got, string(a))
		}
		if ok != tc.ok || fmt.Sprintf("%q", got) != fmt.Sprintf("%q", tc.want) {
			t.Errorf("SplitArgs(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func BenchmarkReaderPipeline(b *testing.B) {
	req := bytes.Repeat([]byte("*3\r\n$3\r\nSET\r\n$6\r\nkey:01\r\n$10\r\nvalue:0001\r\n"), 100)
	b.ReportAllocs()
	b.SetBytes(int64(len(req)))
	src := bytes.NewReader(req)
	r := NewReader(src, defaultLimits)
	r.Authenticated = true
	for b.Loop() {
		src.Reset(req)
		for {
			if _, err := r.ReadCommand(); err != nil {
				break
			}
		}
	}
}
