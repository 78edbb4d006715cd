package engine

// Wire error texts, byte-exact with Valkey's. Keep every error a client can
// see here, so that a drift from Valkey is fixed in one place.
const (
	ErrSyntax          = "ERR syntax error"
	ErrWrongType       = "WRONGTYPE Operation against a key holding the wrong kind of value"
	ErrNotInt          = "ERR value is not an integer or out of range"
	ErrNotFloat        = "ERR value is not a valid float"
	ErrOverflow        = "ERR increment or decrement would overflow"
	ErrNoSuchKey       = "ERR no such key"
	ErrDBIndex         = "ERR DB index is out of range"
	ErrSameObject      = "ERR source and destination objects are the same"
	ErrNoAuth          = "NOAUTH Authentication required."
	ErrWrongPass       = "WRONGPASS invalid username-password pair or user is disabled."
	ErrBitOffset       = "ERR bit offset is not an integer or out of range"
	ErrBitValue        = "ERR bit is not an integer or out of range"
	ErrStringTooLong   = "ERR string exceeds maximum allowed size (proto-max-bulk-len)"
	ErrTimeoutNegative = "ERR timeout is negative"
	ErrOutOfRange      = "ERR index out of range"
	ErrInternal        = "ERR internal error while executing the command"
)

// ErrArity is the wrong-number-of-arguments error for a command's full name
// ("get", "client|setname").
func ErrArity(fullname string) string {
	return "ERR wrong number of arguments for '" + fullname + "' command"
}

// ErrInvalidExpire is the error for a bad expire time in the named command
// (lower case, as typed in the table).
func ErrInvalidExpire(cmd string) string {
	return "ERR invalid expire time in '" + cmd + "' command"
}

// ErrUnknownCommand formats Valkey's unknown-command error for argv.
func ErrUnknownCommand(argv [][]byte) string {
	args := make([]byte, 0, 64)
	for i := 1; i < len(argv) && len(args) < 128; i++ {
		a := argv[i]
		if room := 128 - len(args); len(a) > room {
			a = a[:room]
		}
		args = append(args, '\'')
		args = append(args, a...)
		args = append(args, '\'', ' ')
	}
	return sanitizeError("ERR unknown command '" + truncate(argv[0], 128) +
		"', with args beginning with: " + string(args))
}

// ErrUnknownSubcommand formats Valkey's unknown-subcommand error; cmd is the
// container command's name as Valkey prints it (upper case).
func ErrUnknownSubcommand(sub []byte, cmd string) string {
	return sanitizeError("ERR unknown subcommand '" + truncate(sub, 128) +
		"'. Try " + cmd + " HELP.")
}

func truncate(b []byte, n int) string {
	if len(b) > n {
		b = b[:n]
	}
	return string(b)
}

// sanitizeError replaces CR and LF so user text cannot break the protocol,
// as Valkey does for errors that echo arguments.
func sanitizeError(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] == '\r' || s[i] == '\n' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] == '\r' || b[j] == '\n' {
					b[j] = ' '
				}
			}
			return string(b)
		}
	}
	return s
}
