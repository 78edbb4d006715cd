package script

import (
	"bytes"
	"strings"

	"github.com/flect-kv/flect/engine"
)

// Flags are the flags a script declares in its shebang line
// ("#!lua flags=no-writes,allow-oom"). A script without a shebang declares
// none and runs in Valkey's compatibility mode: it may write, it is
// checked for OOM per command, and it may touch undeclared keys.
//
// What the caller (the EVAL front end) must enforce, as Valkey does:
//
//   - Before the run, the EVAL command's own flags are those of
//     Script.CommandFlags: a shebang script without no-writes is a write
//     command (refused on a read-only replica, and with
//     ErrROScriptWithWrites by EVAL_RO/EVALSHA_RO); one without allow-oom
//     or no-writes is deny-oom (refused over maxmemory with the generic
//     "OOM command not allowed when used memory > 'maxmemory'." error).
//   - During the run, Script.Policy tells which commands the script's
//     server.call may run: under ReadOnly (EVAL_RO, or the no-writes flag)
//     write and may-replicate commands fail with ErrWriteFromReadOnly;
//     without AllowOOM a deny-oom command fails with the OOM error while
//     the node is over maxmemory, unless the script already wrote.
//   - Always: commands flagged noscript fail with ErrNotAllowedFromScript,
//     unknown ones with ErrUnknownCommand, a wrong arity with
//     ErrWrongArityFromScript, blocking commands run as if their timeout
//     expired.
type Flags uint8

// Shebang flags, named as in Valkey's "flags=" list.
const (
	// FlagNoWrites ("no-writes"): the script only reads; it also implies
	// allow-oom.
	FlagNoWrites Flags = 1 << iota
	// FlagAllowOOM ("allow-oom"): the script may run and write while the
	// node is over maxmemory.
	FlagAllowOOM
	// FlagAllowStale ("allow-stale"): the script may run on a stale
	// replica.
	FlagAllowStale
	// FlagNoCluster ("no-cluster"): the script refuses to run in cluster
	// mode.
	FlagNoCluster
	// FlagAllowCrossSlot ("allow-cross-slot-keys"): the script may touch
	// keys of several slots.
	FlagAllowCrossSlot
)

var flagNamesTable = []struct {
	f    Flags
	name string
}{
	{FlagNoWrites, "no-writes"},
	{FlagAllowOOM, "allow-oom"},
	{FlagAllowStale, "allow-stale"},
	{FlagNoCluster, "no-cluster"},
	{FlagAllowCrossSlot, "allow-cross-slot-keys"},
}

// Names returns the Valkey names of the flags set.
func (f Flags) Names() []string {
	var out []string
	for _, fn := range flagNamesTable {
		if f&fn.f != 0 {
			out = append(out, fn.name)
		}
	}
	return out
}

// CommandFlags returns the flags of the EVAL (or EVALSHA) command running
// s, given the command's table flags f: for a script with a shebang,
// Valkey replaces the command's write, deny-oom and stale flags with those
// its declared flags imply (scriptFlagsToCmdFlags); without a shebang f is
// returned unchanged.
func (s *Script) CommandFlags(f engine.Flags) engine.Flags {
	if !s.Shebang {
		return f
	}
	f &^= engine.Stale | engine.DenyOOM | engine.Write | engine.MayReplicate
	if s.Flags&(FlagAllowOOM|FlagNoWrites) == 0 {
		f |= engine.DenyOOM
	}
	if s.Flags&FlagNoWrites == 0 {
		f |= engine.Write
	}
	if s.Flags&FlagAllowStale != 0 {
		f |= engine.Stale
	}
	return f
}

// Policy is what one run of a script lets the commands it calls do; the
// Caller enforces it.
type Policy struct {
	// ReadOnly refuses write and may-replicate commands with
	// ErrWriteFromReadOnly.
	ReadOnly bool
	// AllowOOM lets deny-oom commands run while the node is over
	// maxmemory. Without it such a command fails with the OOM error, but
	// only while the script has not written anything yet (Valkey cannot
	// stop a script half way through its writes).
	AllowOOM bool
}

// Policy returns the run policy of s when run by EVAL_RO or EVALSHA_RO
// (ro) or not, for a client whose own OOM allowance is clientAllowOOM
// (false for ordinary clients).
func (s *Script) Policy(ro, clientAllowOOM bool) Policy {
	return Policy{
		ReadOnly: ro || (s.Shebang && s.Flags&FlagNoWrites != 0),
		AllowOOM: clientAllowOOM || (s.Shebang && s.Flags&FlagAllowOOM != 0),
	}
}

// PrecheckError returns the error Valkey replies before running s, or "":
// a shebang script that may write fails under EVAL_RO/EVALSHA_RO (ro),
// and, while the node is over maxmemory (oom), one without allow-oom or
// no-writes fails with ErrScriptOOM. (The command-level OOM check of
// CommandFlags usually fires first; this one covers scripts run where it
// does not, as Valkey's scriptPrepareForRun does.)
func (s *Script) PrecheckError(ro, oom bool) string {
	if !s.Shebang {
		return ""
	}
	if s.Flags&FlagNoWrites == 0 && ro {
		return ErrROScriptWithWrites
	}
	if oom && s.Flags&(FlagAllowOOM|FlagNoWrites) == 0 {
		return ErrScriptOOM
	}
	return ""
}

// parseShebang reads the shebang line of body, if any. It returns the
// declared flags, whether there was a shebang, and the length of the line
// without its '\n' (the compiled code starts at the '\n' so that line
// numbers stay right). err is Valkey's message, without the "ERR " prefix.
func parseShebang(body []byte) (flags Flags, shebang bool, n int, err string) {
	if !bytes.HasPrefix(body, []byte("#!")) {
		return 0, false, 0, ""
	}
	n = bytes.IndexByte(body, '\n')
	if z := bytes.IndexByte(body, 0); n < 0 || (z >= 0 && z < n) {
		// Valkey looks for the '\n' with strchr, which stops at a NUL.
		return 0, false, 0, "Invalid script shebang"
	}
	words, ok := engine.SplitArgs(body[:n])
	parts := make([]string, len(words))
	for i, w := range words {
		parts[i] = string(w)
	}
	if !ok || len(parts) == 0 {
		return 0, false, 0, "Invalid engine in script shebang"
	}
	if parts[0] != "#!lua" {
		return 0, false, 0, "Unexpected engine in script shebang: " + parts[0]
	}
	for _, p := range parts[1:] {
		list, isFlags := strings.CutPrefix(p, "flags=")
		if !isFlags {
			return 0, false, 0, "Unknown lua shebang option: " + p
		}
		if list == "" {
			continue
		}
		for _, name := range strings.Split(list, ",") {
			f := flagByName(name)
			if f == 0 {
				return 0, false, 0, "Unexpected flag in script shebang: " + name
			}
			flags |= f
		}
	}
	return flags, true, n, ""
}

func flagByName(name string) Flags {
	for _, fn := range flagNamesTable {
		if fn.name == name {
			return fn.f
		}
	}
	return 0
}
