package script

import (
	"crypto/sha1"
	"encoding/hex"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// The server table (alias redis): Valkey's API for scripts.

// ACLChecker is implemented by Callers that can answer
// server.acl_check_cmd. Without it every command is taken as known and
// allowed (flect stores have one user with every permission).
type ACLChecker interface {
	// CheckCommand reports whether args (name first) name a known command
	// (or container subcommand), and whether the script's user may run
	// it with these arguments.
	CheckCommand(args [][]byte) (known, allowed bool)
}

// Valkey's version constants for scripts.
const (
	redisCompatVersion    = "7.2.4"
	redisCompatVersionNum = 0x070204
	serverName            = "valkey"
)

// Replication flags of server.set_repl.
const (
	replNone = 0
	replAOF  = 1
	replRepl = 2
	replAll  = replAOF | replRepl
)

// serverAPI returns the server table.
func (v *vm) serverAPI() *lua.LTable {
	L := v.L
	t := L.NewTable()
	fns := map[string]lua.LGFunction{
		"call":               func(L *lua.LState) int { return v.command(L, true) },
		"pcall":              func(L *lua.LState) int { return v.command(L, false) },
		"log":                v.apiLog,
		"setresp":            v.apiSetResp,
		"sha1hex":            apiSha1hex,
		"error_reply":        apiErrorReply,
		"status_reply":       apiStatusReply,
		"set_repl":           apiSetRepl,
		"acl_check_cmd":      v.apiACLCheckCmd,
		"breakpoint":         func(L *lua.LState) int { L.Push(lua.LFalse); return 1 },
		"debug":              func(L *lua.LState) int { return 0 },
		"replicate_commands": func(L *lua.LState) int { L.Push(lua.LTrue); return 1 },
	}
	for name, fn := range fns {
		t.RawSetString(name, L.NewFunction(fn))
	}
	nums := map[string]int{
		"LOG_DEBUG": LogDebug, "LOG_VERBOSE": LogVerbose, "LOG_NOTICE": LogNotice, "LOG_WARNING": LogWarning,
		"REPL_NONE": replNone, "REPL_AOF": replAOF, "REPL_SLAVE": replRepl, "REPL_REPLICA": replRepl, "REPL_ALL": replAll,
		"REDIS_VERSION_NUM":  redisCompatVersionNum,
		"VALKEY_VERSION_NUM": versionNum(v.c.opts.ServerVersion),
	}
	for name, n := range nums {
		t.RawSetString(name, lua.LNumber(n))
	}
	t.RawSetString("REDIS_VERSION", lua.LString(redisCompatVersion))
	t.RawSetString("VALKEY_VERSION", lua.LString(v.c.opts.ServerVersion))
	t.RawSetString("SERVER_NAME", lua.LString(serverName))
	return t
}

// versionNum encodes "major.minor.patch" as 0xMMmmpp.
func versionNum(version string) int {
	n := 0
	parts := strings.SplitN(version, ".", 3)
	for i := 0; i < 3; i++ {
		x := 0
		if i < len(parts) {
			x, _ = strconv.Atoi(parts[i])
		}
		n = n<<8 | x&0xff
	}
	return n
}

// raiseTable raises the error table of msg (as luaPushError + lua_error).
func raiseTable(L *lua.LState, msg string) {
	L.Error(errorReplyTable(L, msg), 0)
}

// errorReplyTable returns the table {err=...} Valkey builds for an error
// text (luaPushErrorBuff): "-CODE msg" keeps its code, a text without
// '-' gets "ERR", surrounding CR/LF are trimmed, and a NUL ends it.
func errorReplyTable(L *lua.LState, buf string) *lua.LTable {
	buf = cString(buf)
	code, msg := "ERR", buf
	if rest, ok := strings.CutPrefix(buf, "-"); ok {
		if c, m, found := strings.Cut(rest, " "); found {
			code, msg = c, m
		} else {
			msg = rest
		}
	}
	msg = strings.Trim(msg, "\r\n")
	return errorTable(L, code+" "+msg)
}

// commandArgs converts the arguments of server.call into a command line:
// strings as they are, numbers as Valkey formats them. The error message
// is Valkey's for no arguments or an argument of another type.
func commandArgs(L *lua.LState) ([][]byte, string) {
	n := L.GetTop()
	if n == 0 {
		return nil, msgNoArgs
	}
	args := make([][]byte, n)
	for i := 1; i <= n; i++ {
		switch x := L.Get(i).(type) {
		case lua.LNumber:
			args[i-1] = appendArgNumber(nil, float64(x))
		case lua.LString:
			args[i-1] = []byte(x)
		default:
			return nil, msgBadArgs
		}
	}
	return args, ""
}

// command is server.call (raise) and server.pcall.
func (v *vm) command(L *lua.LState, raise bool) int {
	args, msg := commandArgs(L)
	if msg != "" {
		t := errorReplyTable(L, msg)
		if raise {
			L.Error(t, 0)
		}
		L.Push(t)
		return 1
	}
	reply := v.run.caller.Call(args, v.run.resp)
	lv := v.valueToLua(L, reply)
	if raise && reply.Kind == KindError {
		L.Error(lv, 0)
	}
	L.Push(lv)
	return 1
}

func (v *vm) apiLog(L *lua.LState) int {
	argc := L.GetTop()
	if argc < 2 {
		raiseTable(L, msgLogArgs)
	}
	lv, ok := toNumber(L.Get(1))
	if !ok {
		raiseTable(L, msgLogLevelType)
	}
	level := toCInt(lv)
	if level < LogDebug || level > LogWarning {
		raiseTable(L, msgLogLevel)
	}
	if level < v.c.opts.LogLevel || v.c.opts.Log == nil {
		return 0
	}
	var b strings.Builder
	for j := 1; j < argc; j++ {
		if s, ok := toString(L.Get(j + 1)); ok {
			if j != 1 {
				b.WriteByte(' ')
			}
			b.WriteString(s)
		}
	}
	v.c.opts.Log(level, b.String())
	return 0
}

func (v *vm) apiSetResp(L *lua.LState) int {
	if L.GetTop() != 1 {
		raiseTable(L, msgSetRespArgs)
	}
	n, _ := toNumber(L.Get(1))
	resp := toCInt(n)
	if resp != 2 && resp != 3 {
		raiseTable(L, msgRespVersion)
	}
	v.run.resp = resp
	return 0
}

func apiSha1hex(L *lua.LState) int {
	if L.GetTop() != 1 {
		raiseTable(L, msgWrongArgs)
	}
	s, _ := toString(L.Get(1))
	sum := sha1.Sum([]byte(s))
	L.Push(lua.LString(hex.EncodeToString(sum[:])))
	return 1
}

func apiErrorReply(L *lua.LState) int {
	s, ok := L.Get(1).(lua.LString)
	if L.GetTop() != 1 || !ok {
		L.Push(errorReplyTable(L, msgWrongArgsType))
		return 1
	}
	buf := string(s)
	if !strings.HasPrefix(buf, "-") {
		buf = "-" + buf
	}
	L.Push(errorReplyTable(L, buf))
	return 1
}

func apiStatusReply(L *lua.LState) int {
	s, ok := L.Get(1).(lua.LString)
	if L.GetTop() != 1 || !ok {
		L.Push(errorReplyTable(L, msgWrongArgsType))
		return 1
	}
	t := L.CreateTable(0, 1)
	t.RawSetString("ok", s)
	L.Push(t)
	return 1
}

// apiSetRepl is server.set_repl: flect has no replication to steer, so
// valid flags are accepted and ignored.
func apiSetRepl(L *lua.LState) int {
	if L.GetTop() != 1 {
		raiseTable(L, msgSetReplArgs)
	}
	n, _ := toNumber(L.Get(1))
	if toCInt(n)&^replAll != 0 {
		raiseTable(L, msgReplFlags)
	}
	return 0
}

func (v *vm) apiACLCheckCmd(L *lua.LState) int {
	args, msg := commandArgs(L)
	if msg != "" {
		raiseTable(L, msg)
	}
	known, allowed := true, true
	if c, ok := v.run.caller.(ACLChecker); ok {
		known, allowed = c.CheckCommand(args)
	}
	if !known {
		raiseTable(L, msgACLCommand)
	}
	L.Push(lua.LBool(allowed))
	return 1
}
