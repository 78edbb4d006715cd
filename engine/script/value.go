// Package script runs Valkey's Lua scripts (EVAL, EVALSHA, SCRIPT): a
// sandboxed Lua 5.1 interpreter (gopher-lua) with Valkey's server/redis
// API and libraries, converting between command replies and Lua values as
// Valkey does. The front end (package resp) owns the commands, the
// locking and the command dispatch; it gives a Run a Caller.
//
// A Cache holds one namespace's scripts and interpreter. Put and PutEval
// compile, Run runs; each run gets fresh KEYS and ARGV, a context that
// SCRIPT KILL cancels and a memory watchdog. Replies, error texts and the
// sandbox (read-only globals and libraries, Valkey's base library, the
// server table) follow Valkey 8.0.1; testdata/valkey8.json holds replies
// recorded from it.
//
// Where flect differs from Valkey 8.0.1:
//
//   - Numbers the `..` operator turns into strings are formatted by
//     gopher-lua: whole numbers in full (1e15 .. "" is "1000000000000000",
//     Lua "1e+15"), other numbers with up to 17 digits (1/3 .. "" is
//     "0.3333333333333333", Lua "0.33333333333333"), -0 as "0", infinity
//     as "+Inf". tostring, string.format and server.call format as Lua.
//   - A runtime error in a statement spanning several lines may name the
//     statement's first line where Lua names a later one.
//   - Runtime errors raised inside coroutines keep gopher-lua's wording
//     ("attempt to call a non-function object").
//   - A call stack overflow replies "ERR stack overflow", without Lua's
//     position and script suffix; nested metamethod calls overflow the
//     call stack (20000 frames) rather than Lua's 200 C levels.
//   - #t of a table with holes may find another border than Lua (t[5]=1
//     on an empty table gives 5, Lua 0); integer keys from 2^22 on live
//     in the hash part and # does not count them.
//   - A function may use 200 registers (locals and temporaries), Lua 250;
//     a table constructor at most 25550 positional items.
//   - Maps and sets returned to clients list their keys in insertion
//     order, Lua in hash order.
//   - The string metatable is read-only (Valkey lets a script replace
//     getmetatable("").__index, breaking strings for later scripts).
//   - error() with a table lacking err replies "ERR unknown error"
//     (Valkey 8.0.1 crashes).
//   - Scripts stop with "not enough memory" once they grow the heap past
//     Options.MaxMemory; os.clock is time since the process started.
package script

// Kind is the type of a reply Value.
type Kind uint8

// Reply kinds. A command's reply is recorded with the shapes of the
// protocol the script asked for (redis.setresp): in RESP2 a map arrives as
// a flat KindArray, a double as a KindBulk, a boolean as a KindInt, a
// null as KindNull or KindNullArray; in RESP3 every null is KindNull.
const (
	KindStatus    Kind = iota // +Str
	KindError                 // -Str, the whole text ("ERR ...", "WRONGTYPE ...")
	KindInt                   // :Int
	KindBulk                  // $Str
	KindNull                  // $-1 in RESP2, _ in RESP3
	KindNullArray             // *-1 (RESP2 only)
	KindArray                 // Elems
	KindMap                   // Elems: key, value, key, value ... (RESP3 only)
	KindSet                   // Elems (RESP3 only)
	KindDouble                // Float (RESP3 only)
	KindBool                  // Int 0 or 1 (RESP3 only)
	KindVerbatim              // Str, with its three-letter Format (RESP3 only)
	KindBigNumber             // Str, decimal digits (RESP3 only)
)

// Value is one reply: a command's, recorded for a script, or a script's,
// to be written to its client.
type Value struct {
	Kind   Kind
	Str    string
	Int    int64
	Float  float64
	Format string
	Elems  []Value
}

// Caller runs commands for a running script.
type Caller interface {
	// Call runs args (name first) as the script's client would, with the
	// protocol version resp (2 or 3) for its reply, and returns the
	// reply. A command that fails (unknown, wrong arity, not allowed
	// from scripts, a write in a read-only script, OOM, WRONGTYPE ...)
	// returns a KindError Value; Call itself never fails.
	Call(args [][]byte, resp int) Value
}
