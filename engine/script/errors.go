package script

// Wire error texts, byte-exact as Valkey 8.0.1 sends them (without the
// leading '-'). The ones the front end and the Caller produce are exported
// so that every script error text lives in this file.
const (
	// ErrUnknownCommand is the Caller's reply to an unknown command.
	ErrUnknownCommand = "ERR Unknown command called from script"
	// ErrWrongArityFromScript is the Caller's reply to a command called
	// with a wrong number of arguments.
	ErrWrongArityFromScript = "ERR Wrong number of args calling command from script"
	// ErrNotAllowedFromScript is the Caller's reply to a command flagged
	// noscript (EVAL, MULTI, SUBSCRIBE, WATCH, CLIENT ...).
	ErrNotAllowedFromScript = "ERR This Redis command is not allowed from script"
	// ErrWriteFromReadOnly is the Caller's reply to a write (or
	// may-replicate) command under Policy.ReadOnly.
	ErrWriteFromReadOnly = "ERR Write commands are not allowed from read-only scripts."
	// ErrOOMFromScript is the Caller's reply to a deny-oom command over
	// maxmemory without Policy.AllowOOM (Valkey's shared OOM error).
	ErrOOMFromScript = "OOM command not allowed when used memory > 'maxmemory'."
	// ErrACLPrefix starts the Caller's reply to a command the user may not
	// run; Valkey's ACL message follows.
	ErrACLPrefix = "ERR ACL failure in script: "

	// ErrROScriptWithWrites is EVAL_RO's reply to a shebang script that
	// may write.
	ErrROScriptWithWrites = "ERR Can not execute a script with write flag using *_ro command."
	// ErrScriptOOM is the reply to a shebang script without allow-oom run
	// over maxmemory (see Script.PrecheckError).
	ErrScriptOOM = "OOM allow-oom flag is not set on the script, can not run it when used memory > 'maxmemory'"
	// ErrNoScript is EVALSHA's and SCRIPT SHOW's reply to an unknown sha.
	ErrNoScript = "NOSCRIPT No matching script."
	// ErrNumKeysNegative is EVAL's reply to a negative numkeys.
	ErrNumKeysNegative = "ERR Number of keys can't be negative"
	// ErrNumKeysTooBig is EVAL's reply to a numkeys beyond its arguments.
	ErrNumKeysTooBig = "ERR Number of keys can't be greater than number of args"
	// ErrNotBusy is SCRIPT KILL's reply when no script runs.
	ErrNotBusy = "NOTBUSY No scripts in execution right now."
	// ErrUnkillable is SCRIPT KILL's reply once the script has written.
	ErrUnkillable = "UNKILLABLE Sorry the script already executed write commands against the dataset. " +
		"You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command."
	// ErrBusy is the reply to other commands while a script runs past
	// busy-reply-threshold.
	ErrBusy = "BUSY Valkey is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE."
	// ErrFlushOption is SCRIPT FLUSH's reply to an option other than
	// SYNC or ASYNC.
	ErrFlushOption = "ERR SCRIPT FLUSH only support SYNC|ASYNC option"
)

// Messages raised inside scripts. The run adds Valkey's "ERR " code and
// " script: <sha>, on @user_script:<line>." suffix to those that end it.
const (
	msgNoArgs        = "Please specify at least one argument for this call"
	msgBadArgs       = "Command arguments must be strings or integers"
	msgKilled        = "Script killed by user with SCRIPT KILL..."
	msgReadonlyTable = "Attempt to modify a readonly table"
	msgNoGlobal      = "Script attempted to access nonexistent global variable '%s'"
	msgWrongArgs     = "wrong number of arguments"
	msgWrongArgsType = "wrong number or type of arguments"
	msgSetRespArgs   = "server.setresp() requires one argument."
	msgRespVersion   = "RESP version must be 2 or 3."
	msgSetReplArgs   = "server.set_repl() requires one argument."
	msgReplFlags     = "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE."
	msgLogArgs       = "server.log() requires two arguments or more."
	msgLogLevelType  = "First argument must be a number (log level)."
	msgLogLevel      = "Invalid log level."
	msgACLCommand    = "Invalid command passed to server.acl_check_cmd()"
	msgStackLimit    = "ERR reached lua stack limit"
	msgNoMemory      = "not enough memory"
	msgCompile       = "ERR Error compiling script (new function): "
)
