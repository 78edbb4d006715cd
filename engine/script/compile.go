package script

import (
	"bytes"
	"fmt"
	"strings"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/parse"
)

// Chunk identifiers, as Lua 5.1's luaO_chunkid shortens chunk names for
// messages: runtime positions use LUA_IDSIZE (60), syntax errors MAXSRC
// (80).
const (
	idSize     = 60
	syntaxSize = 80
)

// chunkID returns the short form of chunkname for messages of at most
// size bytes: "=name" is shown as name, "@file" as file (its end if too
// long), and source text as [string "first line..."].
func chunkID(chunkname string, size int) string {
	if i := strings.IndexByte(chunkname, 0); i >= 0 {
		chunkname = chunkname[:i]
	}
	switch {
	case strings.HasPrefix(chunkname, "="):
		s := chunkname[1:]
		if len(s) > size-1 {
			s = s[:size-1]
		}
		return s
	case strings.HasPrefix(chunkname, "@"):
		s := chunkname[1:]
		room := size - len(" '...' ") - 1
		if len(s) > room {
			return "..." + s[len(s)-room:]
		}
		return s
	}
	n := strings.IndexAny(chunkname, "\n\r")
	if n < 0 {
		n = len(chunkname)
	}
	room := size - len(" [string \"...\"] ") - 1
	if n > room {
		n = room
	}
	if n < len(chunkname) {
		return `[string "` + chunkname[:n] + `..."]`
	}
	return `[string "` + chunkname + `"]`
}

// compileChunk compiles src, named chunkname as lua_load names chunks
// ("@user_script" for script bodies), into a function prototype whose
// positions read as Lua 5.1's ("user_script:3:"). base is the number of
// nested calls in progress (they count against the syntax nesting
// limit). On a syntax error it returns Lua 5.1's message
// ("user_script:1: '=' expected near 'b'").
func compileChunk(src []byte, chunkname string, base int) (proto *lua.FunctionProto, msg string) {
	msg, edits := checkSyntax(src, chunkID(chunkname, syntaxSize), base)
	if msg != "" {
		return nil, msg
	}
	if len(edits) > 0 {
		src = applyEdits(src, edits)
	}
	name := chunkID(chunkname, idSize)
	defer func() {
		// The checker accepted the chunk; gopher-lua must not fail on it,
		// but a panic in its compiler must not take the node down.
		if r := recover(); r != nil {
			proto, msg = nil, fmt.Sprintf("%s: %v", name, r)
		}
	}()
	chunk, err := parse.Parse(bytes.NewReader(src), name)
	if err != nil {
		return nil, gopherSyntaxError(name, err)
	}
	proto, err = lua.Compile(chunk, name)
	if err != nil {
		return nil, gopherSyntaxError(name, err)
	}
	// Lua 5.1's main chunk is vararg without the compatibility arg
	// table (no name reaches it); gopher-lua would build that table at
	// every run.
	proto.IsVarArg &^= lua.VarArgNeedsArg
	return proto, ""
}

// applyEdits returns src with the edits (in source order) applied.
func applyEdits(src []byte, edits []srcEdit) []byte {
	out := make([]byte, 0, len(src)+8*len(edits))
	at := 0
	for _, e := range edits {
		out = append(out, src[at:e.pos]...)
		out = append(out, e.text...)
		at = e.end
	}
	return append(out, src[at:]...)
}

// gopherSyntaxError words an error of gopher-lua's parser or compiler for
// chunks the syntax checker accepted (gopher-lua's own limits).
func gopherSyntaxError(name string, err error) string {
	switch e := err.(type) {
	case *parse.Error:
		return fmt.Sprintf("%s:%d: %s near '%s'", name, e.Pos.Line, strings.TrimSpace(e.Message), e.Token)
	case *lua.CompileError:
		msg := e.Message
		if strings.HasPrefix(msg, "register overflow") {
			// gopher-lua gives a function 200 registers (locals and
			// temporaries), Lua 250.
			msg = "function or expression too complex"
		}
		return fmt.Sprintf("%s:%d: %s", name, max(e.Line, 1), msg)
	}
	return name + ": " + strings.TrimSpace(err.Error())
}
