package lualib

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// The library tests run Lua snippets and compare what they return with
// what valkey-server 8.0.1 returned for the same snippet. A snippet is the
// body of a function run by pcall on line 1 of a chunk named
// "user_script" (so errors read "user_script:1: ..." as in Valkey); its
// results are written by dump, which Valkey ran as valkeyDump (in Lua), so
// the recorded text is exactly Valkey's.
//
// To check the recorded expectations against a live server, start one
// (valkey-server --port 24800 --save '' --appendonly no) and run
//
//	FLECT_VALKEY_ADDR=127.0.0.1:24800 go test -run TestValkeyGolden -v ./engine/script/lualib/
//
// Each snippet runs after SCRIPT FLUSH, in a fresh interpreter, as each
// runs here in a fresh LState.

// luaCase is one snippet and its results as Valkey 8.0.1 returned them.
type luaCase struct {
	code string
	want string
}

// allCases lists every table of recorded cases, for TestValkeyGolden.
var allCases = map[string][]luaCase{
	"cjson":    cjsonCases,
	"cmsgpack": cmsgpackCases,
	"bit":      bitCases,
	"struct":   structCases,
}

// newState is a gopher-lua state with the libraries, its registry able to
// grow as far as Lua 5.1's stack limit needs.
func newState() *lua.LState {
	L := lua.NewState(lua.Options{RegistrySize: 1024, RegistryMaxSize: 64 * 1024, RegistryGrowStep: 1024})
	Open(L)
	return L
}

// run runs code as a case and returns the dump of pcall's results.
func run(t testing.TB, code string) string {
	t.Helper()
	L := newState()
	defer L.Close()
	return runIn(t, L, code)
}

// runIn runs code in L, with ARGV holding args.
func runIn(t testing.TB, L *lua.LState, code string, args ...string) string {
	t.Helper()
	argv := L.NewTable()
	for _, a := range args {
		argv.Append(lua.LString(a))
	}
	L.SetGlobal("ARGV", argv)
	fn, err := L.Load(strings.NewReader("return pcall(function() "+code+" end)"), "user_script")
	if err != nil {
		t.Fatalf("compile %q: %v", code, err)
	}
	L.Push(fn)
	if err := L.PCall(0, lua.MultRet, nil); err != nil {
		t.Fatalf("run %q: %v", code, err)
	}
	n := L.GetTop()
	res := L.NewTable()
	res.RawSetString("n", lua.LNumber(n))
	for i := 1; i <= n; i++ {
		res.RawSetInt(i, L.Get(i))
	}
	L.SetTop(0)
	null := L.GetGlobal("cjson").(*lua.LTable).RawGetString("null")
	return dump(res, null, 0)
}

// runCases checks every case.
func runCases(t *testing.T, cases []luaCase) {
	t.Helper()
	for _, c := range cases {
		if got := run(t, c.code); got != c.want {
			t.Errorf("%s\n got: %s\nwant: %s", c.code, got, c.want)
		}
	}
}

// dump writes v as valkeyDump does.
func dump(v lua.LValue, null lua.LValue, depth int) string {
	if depth > 20 {
		return "..."
	}
	switch v := v.(type) {
	case lua.LString:
		var b strings.Builder
		b.WriteByte('"')
		for i := 0; i < len(v); i++ {
			if c := v[i]; c < 0x20 || c == '"' || c == '\\' || c >= 0x7f {
				fmt.Fprintf(&b, `\x%02x`, c)
			} else {
				b.WriteByte(c)
			}
		}
		b.WriteByte('"')
		return b.String()
	case lua.LNumber:
		f := float64(v)
		switch {
		case math.IsNaN(f):
			return "nan"
		case math.IsInf(f, 1):
			return "inf"
		case math.IsInf(f, -1):
			return "-inf"
		}
		return strconv.FormatFloat(f, 'g', 17, 64)
	case *lua.LTable:
		var parts []string
		for k, x := v.Next(lua.LNil); k != lua.LNil; k, x = v.Next(k) {
			parts = append(parts, dump(k, null, depth+1)+"="+dump(x, null, depth+1))
		}
		sort.Strings(parts)
		return "{" + strings.Join(parts, ",") + "}"
	case lua.LBool, *lua.LNilType:
		return v.String()
	}
	if v == null {
		return "null"
	}
	return v.Type().String()
}

// valkeyDump is dump in Lua, with pack, for valkey-server: one line.
const valkeyDump = `local dump; dump = function(v, d) d = d or 0; if d > 20 then return '...' end; ` +
	`local t = type(v); if t == 'string' then return '"' .. (v:gsub('[%z\1-\31"\\\127-\255]', ` +
	`function(c) return string.format('\\x%02x', c:byte()) end)) .. '"' elseif t == 'number' then ` +
	`if v ~= v then return 'nan' elseif v == math.huge then return 'inf' elseif v == -math.huge then return '-inf' end ` +
	`return string.format('%.17g', v) elseif t == 'table' then local parts = {}; for k, x in pairs(v) do ` +
	`parts[#parts+1] = dump(k, d+1) .. '=' .. dump(x, d+1) end; table.sort(parts); ` +
	`return '{' .. table.concat(parts, ',') .. '}' elseif t == 'userdata' and v == cjson.null then return 'null' ` +
	`elseif t == 'boolean' or t == 'nil' then return tostring(v) else return t end end; ` +
	`local function pack(...) return {n = select('#', ...), ...} end; `

// valkeyConn connects to the valkey-server at FLECT_VALKEY_ADDR, or skips
// the test, and returns a function running one command.
func valkeyConn(t *testing.T) func(args ...string) string {
	addr := os.Getenv("FLECT_VALKEY_ADDR")
	if addr == "" {
		t.Skip("FLECT_VALKEY_ADDR not set")
	}
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	r := bufio.NewReader(conn)
	return func(args ...string) string {
		fmt.Fprintf(conn, "*%d\r\n", len(args))
		for _, a := range args {
			fmt.Fprintf(conn, "$%d\r\n%s\r\n", len(a), a)
		}
		reply, err := readReply(r)
		if err != nil {
			t.Fatal(err)
		}
		return reply
	}
}

// valkeyRun runs code as a case on Valkey with ARGV holding args.
func valkeyRun(do func(args ...string) string, code string, args ...string) string {
	cmd := append([]string{"EVAL", valkeyDump + "return dump(pack(pcall(function() " + code + " end)))", "0"}, args...)
	return do(cmd...)
}

// TestValkeyGolden runs every case on the valkey-server at
// FLECT_VALKEY_ADDR and checks that the recorded expectation is what it
// returns now.
func TestValkeyGolden(t *testing.T) {
	do := valkeyConn(t)
	names := make([]string, 0, len(allCases))
	for name := range allCases {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		for _, c := range allCases[name] {
			do("SCRIPT", "FLUSH")
			got := valkeyRun(do, c.code)
			if got != c.want {
				t.Errorf("%s: %s\nvalkey: %s\nrecorded: %s", name, c.code, got, c.want)
			}
		}
	}
}

// readReply reads a status, error or bulk reply as text.
func readReply(r *bufio.Reader) (string, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return "", err
	}
	line = strings.TrimSuffix(line, "\r\n")
	switch line[0] {
	case '+', '-':
		return line, nil
	case '$':
		n, err := strconv.Atoi(line[1:])
		if err != nil || n < 0 {
			return line, err
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			return "", err
		}
		return string(buf[:n]), nil
	}
	return "", fmt.Errorf("unexpected reply %q", line)
}
